package shell

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"
)

func decodeCommand(t *testing.T, enc string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("bad -EncodedCommand: %v", err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func decodeParams(t *testing.T, stdin string) map[string]string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(stdin))
	if err != nil {
		t.Fatalf("stdin is not base64: %v", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("stdin is not a JSON object: %v", err)
	}
	return m
}
