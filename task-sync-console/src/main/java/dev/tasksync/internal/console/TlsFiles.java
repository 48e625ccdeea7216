package dev.tasksync.internal.console;

import dev.tasksync.TaskSyncException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

/**
 * A PEM certificate chain and its PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC: what openssl and ACME clients
 * write), read into the in-memory key store Jetty's {@link SslContextFactory} serves from.
 */
final class TlsFiles {
    private static final char[] STORE_PASSWORD = "tasksync".toCharArray(); // in memory only; Jetty needs one

    private TlsFiles() {
    }

    /** @throws TaskSyncException naming {@code --tls-cert} or {@code --tls-key} when a file is missing, unreadable or wrong */
    static SslContextFactory.Server sslContextFactory(Path certFile, Path keyFile) {
        X509Certificate[] chain = chain(certFile);
        PrivateKey key = key(keyFile);
        if (!matches(key, chain[0])) {
            throw new TaskSyncException("--tls-key " + keyFile + ": this private key does not belong to the first certificate in --tls-cert " + certFile);
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("console", key, STORE_PASSWORD, chain);
            SslContextFactory.Server f = new SslContextFactory.Server();
            f.setKeyStore(store);
            f.setKeyStorePassword(new String(STORE_PASSWORD));
            f.setKeyManagerPassword(new String(STORE_PASSWORD));
            return f;
        } catch (GeneralSecurityException | IOException e) {
            throw new TaskSyncException("--tls-key " + keyFile + ": cannot be used with --tls-cert " + certFile + " (" + e.getMessage() + ")");
        }
    }

    private static X509Certificate[] chain(Path file) {
        try (InputStream in = Files.newInputStream(readable("--tls-cert", file))) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new TaskSyncException("--tls-cert " + file + ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
            }
            return certs.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (CertificateException e) {
            throw new TaskSyncException("--tls-cert " + file + ": not a PEM certificate chain (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new TaskSyncException("--tls-cert " + file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey key(Path file) {
        try (Reader r = Files.newBufferedReader(readable("--tls-key", file), StandardCharsets.US_ASCII);
             PEMParser pem = new PEMParser(r)) {
            Object o = pem.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new TaskSyncException("--tls-key " + file + ": no unencrypted PEM private key in it (expected -----BEGIN PRIVATE KEY-----,"
                    + " RSA PRIVATE KEY or EC PRIVATE KEY; found " + (o == null ? "nothing" : o.getClass().getSimpleName()) + ")");
        } catch (IOException | RuntimeException e) {
            if (e instanceof TaskSyncException t) {
                throw t;
            }
            throw new TaskSyncException("--tls-key " + file + ": not a readable PEM private key (" + e.getMessage() + ")");
        }
    }

    private static Path readable(String flag, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TaskSyncException(flag + " " + file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw new TaskSyncException(flag + " " + file + ": cannot be read (permission denied)");
        }
        return file;
    }

    /** Signs with the key and verifies with the certificate: true when they are one pair, whatever the algorithm. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return true; // an unusual algorithm: let the TLS handshake judge it
        }
        try {
            byte[] probe = "task-sync".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(alg);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(alg);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
