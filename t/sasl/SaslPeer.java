/*
 * SaslPeer.java: the JDK's own DIGEST-MD5 (javax.security.sasl, OpenJDK's
 * com.sun.security.sasl provider) as a peer for sspidigest-sasl-sample.  It
 * speaks the line protocol of Cyrus SASL's sample programs (S:/C: lines of
 * base64, the mechanism list first, an empty client line after rspauth,
 * then one protected message each way, "srv message 1" and
 * "client message 1" with their NULs, each prefixed with its 4-octet
 * length as Cyrus SASL frames them: the JDK leaves the prefix to the
 * caller).  Exit status 0 only when authentication succeeded and the
 * message received was intact.
 *
 *   java SaslPeer server SERVICE HOST REALM USER PASSWORD QOPS [AUTHZID]
 *   java SaslPeer client SERVICE HOST USER PASSWORD QOP CIPHER [AUTHZID]
 *
 * QOPS is the server's offer ("auth-conf,auth-int,auth"); the client asks
 * for QOP with CIPHER ("-" for none).  The server authorizes AUTHZID for
 * USER (without it, only USER itself).
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.RealmCallback;
import javax.security.sasl.RealmChoiceCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslServer;

public final class SaslPeer {
    private static final byte[] SERVER_MSG = "srv message 1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_MSG = "client message 1\0".getBytes(StandardCharsets.US_ASCII);
    private static final BufferedReader IN =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));

    private SaslPeer() {
    }

    private static void send(char who, byte[] data) {
        System.out.println(who + ": " + Base64.getEncoder().encodeToString(data));
        System.out.flush();
    }

    /* The next token line of the peer; other lines are its progress. */
    private static byte[] recv(char who) throws Exception {
        String line;
        while ((line = IN.readLine()) != null) {
            if (line.equals(who + ":")) {
                return new byte[0];
            }
            if (line.startsWith(who + ": ")) {
                return Base64.getDecoder().decode(line.substring(3));
            }
        }
        throw new Exception("end of input");
    }

    private static byte[] frame(byte[] token) {
        return ByteBuffer.allocate(4 + token.length).putInt(token.length).put(token).array();
    }

    private static byte[] unframe(byte[] in) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(in);
        int n = b.getInt();
        if (n != in.length - 4) {
            throw new Exception("bad length prefix");
        }
        return Arrays.copyOfRange(in, 4, in.length);
    }

    private static CallbackHandler handler(String user, String password, String realm,
                                           String authzid) {
        return callbacks -> {
            for (Callback cb : callbacks) {
                if (cb instanceof NameCallback) {
                    ((NameCallback) cb).setName(user);
                } else if (cb instanceof PasswordCallback) {
                    ((PasswordCallback) cb).setPassword(password.toCharArray());
                } else if (cb instanceof RealmCallback) {
                    RealmCallback rc = (RealmCallback) cb;
                    rc.setText(realm != null ? realm : rc.getDefaultText());
                } else if (cb instanceof RealmChoiceCallback) {
                    ((RealmChoiceCallback) cb).setSelectedIndex(0);
                } else if (cb instanceof AuthorizeCallback) {
                    AuthorizeCallback ac = (AuthorizeCallback) cb;
                    String want = ac.getAuthorizationID();
                    boolean ok = want.equals(ac.getAuthenticationID())
                        || (authzid != null && want.equals(authzid));
                    ac.setAuthorized(ok);
                    if (ok) {
                        ac.setAuthorizedID(want);
                    }
                }
            }
        };
    }

    private static void report(String qop, Object strength) {
        System.err.println("SaslPeer: qop " + qop + ", strength " + strength);
    }

    private static void server(String[] a) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put(Sasl.QOP, a[6]);
        props.put("com.sun.security.sasl.digest.realm", a[3]);
        props.put(Sasl.STRENGTH, "high,medium,low");
        String authzid = a.length > 7 ? a[7] : null;
        SaslServer ss = Sasl.createSaslServer("DIGEST-MD5", a[1], a[2], props,
            handler(a[4], a[5], a[3], authzid));
        send('S', "DIGEST-MD5".getBytes(StandardCharsets.US_ASCII));
        String mech = new String(recv('C'), StandardCharsets.US_ASCII);
        if (!mech.equalsIgnoreCase("DIGEST-MD5")) {
            throw new Exception("client chose " + mech);
        }
        send('S', ss.evaluateResponse(new byte[0]));
        byte[] rspauth = ss.evaluateResponse(recv('C'));
        send('S', rspauth);
        if (recv('C').length != 0 || !ss.isComplete()) {
            throw new Exception("no empty line after rspauth");
        }
        String qop = (String) ss.getNegotiatedProperty(Sasl.QOP);
        report(qop, ss.getNegotiatedProperty(Sasl.STRENGTH));
        System.err.println("SaslPeer: authorization id " + ss.getAuthorizationID());
        boolean layer = !qop.equals("auth");
        send('S', layer ? frame(ss.wrap(SERVER_MSG, 0, SERVER_MSG.length)) : SERVER_MSG);
        byte[] in = recv('C');
        byte[] msg = layer ? ss.unwrap(unframe(in), 0, in.length - 4) : in;
        if (!Arrays.equals(msg, CLIENT_MSG)) {
            throw new Exception("client message differs");
        }
        ss.dispose();
    }

    private static void client(String[] a) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put(Sasl.QOP, a[5]);
        if (!a[6].equals("-")) {
            props.put("com.sun.security.sasl.digest.cipher", a[6]);
        }
        String authzid = a.length > 7 ? a[7] : null;
        String mechs = new String(recv('S'), StandardCharsets.US_ASCII);
        if (!Arrays.asList(mechs.split(" ")).contains("DIGEST-MD5")) {
            throw new Exception("server offers " + mechs);
        }
        SaslClient sc = Sasl.createSaslClient(new String[] {"DIGEST-MD5"}, authzid, a[1],
            a[2], props, handler(a[3], a[4], null, null));
        send('C', "DIGEST-MD5".getBytes(StandardCharsets.US_ASCII));
        send('C', sc.evaluateChallenge(recv('S')));
        byte[] last = sc.evaluateChallenge(recv('S'));
        if (!sc.isComplete() || (last != null && last.length != 0)) {
            throw new Exception("rspauth not accepted");
        }
        send('C', new byte[0]);
        String qop = (String) sc.getNegotiatedProperty(Sasl.QOP);
        report(qop, sc.getNegotiatedProperty(Sasl.STRENGTH));
        boolean layer = !qop.equals("auth");
        byte[] in = recv('S');
        byte[] msg = layer ? sc.unwrap(unframe(in), 0, in.length - 4) : in;
        if (!Arrays.equals(msg, SERVER_MSG)) {
            throw new Exception("server message differs");
        }
        send('C', layer ? frame(sc.wrap(CLIENT_MSG, 0, CLIENT_MSG.length)) : CLIENT_MSG);
        sc.dispose();
    }

    public static void main(String[] a) {
        try {
            if (a.length >= 7 && a[0].equals("server")) {
                server(a);
            } else if (a.length >= 7 && a[0].equals("client")) {
                client(a);
            } else {
                System.err.println("usage: see SaslPeer.java");
                System.exit(2);
            }
            System.err.println("SaslPeer: done");
        } catch (Exception e) {
            System.err.println("SaslPeer: " + e);
            System.exit(1);
        }
    }
}
