package files

import "testing"

// Call recordings arrive as WAV, AMR or MP3, often without an ID3 tag.
func TestRecordingTypes(t *testing.T) {
	for _, tc := range []struct {
		head []byte
		want string
		ok   bool
	}{
		{[]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), "audio/wave", true},
		{[]byte("#!AMR\n\x3c"), "audio/amr", true},
		{[]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), "audio/mpeg", true},
		{[]byte{0xFF, 0xFB, 0x90, 0x64, 0x00, 0x00}, "audio/mpeg", true}, // MPEG-1 layer III, 128 kbit/s, 44.1 kHz
		{[]byte{0xFF, 0xF3, 0x48, 0xC4, 0x00}, "audio/mpeg", true},       // MPEG-2 layer III, 8 kbit/s telephony
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x00}, "application/octet-stream", false},
		{[]byte{0xFF, 0xF1, 0x50, 0x80, 0x00}, "application/octet-stream", false}, // layer 0: not MP3
	} {
		ct, ok := ContentType(tc.head, "call.bin")
		if ct != tc.want || ok != tc.ok {
			t.Errorf("% x: %s %v, want %s %v", tc.head, ct, ok, tc.want, tc.ok)
		}
	}
}

func TestMP3WithoutControlBytes(t *testing.T) {
	head := []byte{0xFF, 0xFB, 0x90, 0x64, 'a', 'b'} // sniffed as text by net/http
	if ct, ok := ContentType(head, "x"); ct != "audio/mpeg" || !ok {
		t.Fatalf("%s %v", ct, ok)
	}
}
