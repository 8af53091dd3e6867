package azblob

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
)

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		u                          string
		account, container, prefix string
		bad                        string // part of the error, "" when valid
	}{
		{u: "azblob://acct1/baton", account: "acct1", container: "baton"},
		{u: "azblob://acct1/baton/", account: "acct1", container: "baton"},
		{u: "azblob://acct1/baton/team/site-p01", account: "acct1", container: "baton", prefix: "team/site-p01/"},
		{u: "azblob://acct1/baton/team/", account: "acct1", container: "baton", prefix: "team/"},
		{u: "https://acct1.blob.core.windows.net/baton", bad: `unknown scheme "https"`},
		{u: "azblob://Acct1/baton", bad: "lowercase letters and digits"},
		{u: "azblob://ab/baton", bad: "3 to 24"},
		{u: "azblob://acct1", bad: "container"},
		{u: "azblob://acct1/Baton", bad: "container"},
		{u: "azblob://acct1/ba--ton", bad: "container"},
		{u: "azblob://acct1/-baton", bad: "container"},
		{u: "azblob://acct1/baton/a//b", bad: "prefix"},
		{u: "azblob://acct1/baton/a/../b", bad: "prefix"},
		{u: "azblob://acct1/baton?sv=2024&sig=x", bad: "query"},
		{u: "azblob://user:key@acct1/baton", bad: "credentials go in AZURE_STORAGE_CONNECTION_STRING"},
		{u: "azblob://acct1:443/baton", bad: "port"},
		{u: "azblob://%zz/baton", bad: "not a URL"},
		{u: "", bad: "unknown scheme"},
	} {
		t.Run(tt.u, func(t *testing.T) {
			a, c, p, err := ParseURL(tt.u)
			if err != nil && (strings.Contains(err.Error(), "sig=") || strings.Contains(err.Error(), "user:key")) {
				t.Errorf("the error quotes a secret: %v", err)
			}
			if tt.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.bad) || !strings.Contains(err.Error(), "azblob://ACCOUNT/CONTAINER") {
					t.Fatalf("err = %v, want one mentioning %q and the URL's form", err, tt.bad)
				}
				return
			}
			if err != nil || a != tt.account || c != tt.container || p != tt.prefix {
				t.Errorf("= %q, %q, %q, %v; want %q, %q, %q", a, c, p, err, tt.account, tt.container, tt.prefix)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		u    string
		opts Options
		want string
	}{
		{"a bad URL", "s3://bucket/x", Options{}, "unknown scheme"},
		{"a short lease", "azblob://devstoreaccount1/c1x", Options{LeaseDuration: 10 * time.Second, ConnectionString: "x"}, "15 to 60"},
		{"an infinite lease", "azblob://devstoreaccount1/c1x", Options{LeaseDuration: -1, ConnectionString: "x"}, "never takes an infinite lease"},
		{"a fractional lease", "azblob://devstoreaccount1/c1x", Options{LeaseDuration: 15500 * time.Millisecond, ConnectionString: "x"}, "whole seconds"},
		{"another account's connection string", "azblob://otheraccount/c1x", Options{ConnectionString: "AccountName=devstoreaccount1;AccountKey=" + devKey + ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;"}, `for account "devstoreaccount1" but the URL names "otheraccount"`},
		{"a malformed connection string", "azblob://devstoreaccount1/c1x", Options{ConnectionString: "AccountKey=" + devKey}, "malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Open(ctx, tt.u, tt.opts)
			if err == nil {
				b.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), devKey) {
				t.Errorf("the error quotes the account key: %v", err)
			}
		})
	}
}

// TestOpenUnreachable: no service behind the endpoint is ErrBusy, saying
// what to check, after the pipeline's retries (a few seconds).
func TestOpenUnreachable(t *testing.T) {
	port := freePort(t) // nothing listens there
	cs := fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/devstoreaccount1;", devKey, port)
	start := time.Now()
	_, err := Open(context.Background(), "azblob://devstoreaccount1/baton", Options{ConnectionString: cs})
	if !errors.Is(err, state.ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	for _, part := range []string{"cannot reach azblob://devstoreaccount1/baton", "connection refused", "Azurite", "retry"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("err %q does not say %q", err, part)
		}
	}
	if strings.Contains(err.Error(), devKey) || strings.Contains(err.Error(), "AccountKey") {
		t.Errorf("the error quotes the connection string: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Open took %s to give up", d)
	}
	t.Logf("gave up after %s: %v", time.Since(start).Round(time.Millisecond), err)
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"site:P01": "site:P01", "a/b": "a%2Fb", "..": "%2E%2E", "x.": "x%2E", "a b": "a%20b", `C:\x`: "C:%5Cx",
	} {
		if got := esc(in); got != want || unesc(got) != in {
			t.Errorf("esc(%q) = %q (back %q), want %q", in, got, unesc(got), want)
		}
	}
	if a, b := leaseIDFor("r1", 3), leaseIDFor("r1", 3); a != b || a == leaseIDFor("r1", 4) || len(a) != 36 {
		t.Errorf("lease ids %s %s %s", a, b, leaseIDFor("r1", 4))
	}
}
