dnl config.m4: builds mod_auth_sspidigest inside an httpd source tree.
dnl Put this repository at modules/auth_sspidigest of the tree, run
dnl ./buildconf, then ./configure --enable-auth-sspidigest (or =shared).
dnl It needs OpenSSL 3 and hiredis headers and libraries.
dnl
dnl APACHE_MODULE(name, helptext[, objects[, structname[, default[, config]]]])

APACHE_MODPATH_INIT(auth_sspidigest)

dnl mod_auth_sspidigest.c, the glue files (module/) and the engine (src/)
dnl are compiled into the module; the object list is read from the
dnl directories, so new files need no edit here.
sspidigest_objs=""
for sspidigest_c in "$abs_srcdir/$modpath_current"/mod_auth_sspidigest.c \
                    "$abs_srcdir/$modpath_current"/module/*.c \
                    "$abs_srcdir/$modpath_current"/src/*.c; do
  sspidigest_c=`echo "$sspidigest_c" | sed "s|^$abs_srcdir/$modpath_current/||"`
  sspidigest_objs="$sspidigest_objs `echo $sspidigest_c | sed 's/\.c$/.lo/'`"
done

APACHE_MODULE(auth_sspidigest,
  [HTTP Digest authentication (RFC 7616) on a portable SSPI Digest engine],
  $sspidigest_objs, , no, [
  AC_CHECK_HEADERS([openssl/evp.h hiredis/hiredis.h], [],
                   [enable_auth_sspidigest=no])
  APR_ADDTO(INCLUDES, [-I\$(top_srcdir)/$modpath_current/include])
  APR_ADDTO(INCLUDES, [-I\$(top_srcdir)/$modpath_current/src])
  APR_ADDTO(MOD_AUTH_SSPIDIGEST_LDADD, [-lssl -lcrypto -lhiredis])
  AC_SUBST(MOD_AUTH_SSPIDIGEST_LDADD)
])

APACHE_MODPATH_FINISH
