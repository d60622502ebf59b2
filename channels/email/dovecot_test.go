package email

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/kesu/kesu/store/storetest"
)

// dovecot is a real IMAP server (Debian's dovecot-imapd) started for one
// test with its own configuration in a temporary directory, listening on
// random loopback ports: plain IMAP and IMAPS with a certificate made here.
type dovecot struct {
	Host      string
	Port      int // plain IMAP
	TLSPort   int // IMAPS
	User      string
	Password  string
	TLSConfig *tls.Config // trusts the server's certificate
}

func findDovecot() string {
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	bin := findDovecot()
	if bin == "" {
		storetest.Missing(t, "Dovecot (Debian package dovecot-imapd; .ci/run installs it)")
	}
	dir, err := os.MkdirTemp("", "kesu-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Dovecot's unprivileged processes must reach the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// As root, mail is accessed as the dovecot user (Dovecot refuses UID 0)
	// and logins run as dovenull; otherwise everything runs as the current
	// user without chroot.
	mailUser, loginUser, internalUser := me.Username, me.Username, me.Username
	chroot := "chroot ="
	if me.Uid == "0" {
		mailUser, loginUser, internalUser = "dovecot", "dovenull", "dovecot"
		chroot = ""
	}
	mu, err := user.Lookup(mailUser)
	if err != nil {
		t.Skipf("no user %s for Dovecot: %v", mailUser, err)
	}
	uid, _ := strconv.Atoi(mu.Uid)
	gid, _ := strconv.Atoi(mu.Gid)
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if me.Uid == "0" {
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	certFile, keyFile, pool := selfSignedCert(t, dir)
	d := &dovecot{Host: "127.0.0.1", Port: freePort(t), TLSPort: freePort(t), User: "complaints@example.com", Password: "s3cret-pass"}
	d.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(d.User+":{PLAIN}"+d.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[2]s
ssl_key = <%[3]s
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = %[4]s
default_internal_user = %[5]s
first_valid_uid = %[6]d
last_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[6]d gid=%[7]d home=%[8]s/%%n
}
mail_location = maildir:~/Maildir
service imap-login {
  %[11]s
  inet_listener imap {
    port = %[9]d
  }
  inet_listener imaps {
    port = %[10]d
    ssl = yes
  }
}
service anvil {
  %[11]s
}
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
}
`, dir, certFile, keyFile, loginUser, internalUser, uid, gid, home, d.Port, d.TLSPort, chroot)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	cmd.Dir = dir
	out, _ := os.Create(filepath.Join(dir, "stdout.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		out.Close()
	})
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(d.Host, strconv.Itoa(d.Port)), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			logs, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			so, _ := os.ReadFile(filepath.Join(dir, "stdout.log"))
			t.Fatalf("dovecot did not start: %v\n%s\n%s", err, logs, so)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return d
}

// selfSignedCert makes a certificate for 127.0.0.1 and the pool trusting it.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kesu test IMAP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// deliver appends messages to the user's INBOX over IMAPS, as a mail
// server's delivery would leave them.
func (d *dovecot) deliver(t *testing.T, msgs ...[]byte) {
	t.Helper()
	c, err := imapclient.DialTLS(net.JoinHostPort(d.Host, strconv.Itoa(d.TLSPort)), &imapclient.Options{TLSConfig: d.TLSConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(d.User, d.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		m = []byte(strings.ReplaceAll(strings.ReplaceAll(string(m), "\r\n", "\n"), "\n", "\r\n"))
		cmd := c.Append("INBOX", int64(len(m)), &imap.AppendOptions{Time: time.Now()})
		if _, err := cmd.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout().Wait()
}
