// Package wechat receives the callbacks of WeChat Official Accounts (微信公众号)
// and WeCom (企业微信) applications at /channels/wechat/{name}: the URL
// verification handshake, plain and safe (AES) mode, signature checks exactly
// as WeChat specifies, replay protection, and a short guided exchange that
// turns a user's messages into a complaint and answers with its number.
package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

// Signature is WeChat's callback signature: the hex SHA-1 of the given
// strings sorted and concatenated. With (token, timestamp, nonce) it is the
// "signature" query parameter; adding the Encrypt text gives "msg_signature".
func Signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// validSignature compares in constant time.
func validSignature(got string, parts ...string) bool {
	want := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// blockSize is the PKCS#7 padding block of WeChat's scheme: 32 bytes, not
// AES's 16.
const blockSize = 32

// Cipher is the safe-mode (AES-256-CBC) message encryption of one account.
// The key is the 43-character EncodingAESKey decoded as base64 (with "="
// appended); the IV is the key's first 16 bytes. The plaintext is 16 random
// bytes, the message length (4 bytes, big endian), the message and the
// receiver id (AppID or CorpID), padded with PKCS#7 to a multiple of 32.
type Cipher struct {
	key     []byte
	receive string
}

// ErrDecrypt is returned for any text that does not decrypt to a valid
// message for this account.
var ErrDecrypt = errors.New("wechat: message does not decrypt for this account")

// NewCipher checks the EncodingAESKey.
func NewCipher(encodingAESKey, receiverID string) (*Cipher, error) {
	if len(encodingAESKey) != 43 {
		return nil, errors.New("wechat: an EncodingAESKey has 43 characters")
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wechat: the EncodingAESKey is not base64 of 32 bytes")
	}
	return &Cipher{key: key, receive: receiverID}, nil
}

// Encrypt returns the base64 ciphertext of msg.
func (c *Cipher) Encrypt(msg []byte) (string, error) {
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", err
	}
	return c.encrypt(msg, random[:])
}

func (c *Cipher) encrypt(msg, random []byte) (string, error) {
	var b bytes.Buffer
	b.Write(random)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(msg)))
	b.Write(n[:])
	b.Write(msg)
	b.WriteString(c.receive)
	pad := blockSize - b.Len()%blockSize
	b.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return "", err
	}
	out := make([]byte, b.Len())
	cipher.NewCBCEncrypter(block, c.key[:16]).CryptBlocks(out, b.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}

// Decrypt returns the message in a base64 ciphertext, checking its padding,
// length and receiver id.
func (c *Cipher) Decrypt(text string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, ErrDecrypt
	}
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, c.key[:16]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > blockSize || pad > len(plain) {
		return nil, ErrDecrypt
	}
	for _, p := range plain[len(plain)-pad:] {
		if int(p) != pad {
			return nil, ErrDecrypt
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, ErrDecrypt
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, ErrDecrypt
	}
	msg, receiver := plain[20:20+n], plain[20+n:]
	if subtle.ConstantTimeCompare(receiver, []byte(c.receive)) != 1 {
		return nil, ErrDecrypt
	}
	return msg, nil
}
