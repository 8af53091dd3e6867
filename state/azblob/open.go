package azblob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/batonhq/baton/state"
	"github.com/hashicorp/go-hclog"
)

// Options configure Open.
type Options struct {
	// ConnectionString, when set, holds the account key or SAS
	// (AZURE_STORAGE_CONNECTION_STRING; Azurite's development connection
	// string works). It is never logged nor put in an error. When empty,
	// azidentity.NewDefaultAzureCredential is used.
	ConnectionString string
	// Log receives debug messages (conflicts, retries, best-effort
	// cleanups); nil discards them.
	Log hclog.Logger
	// LeaseDuration is the blob lease of a run's owner: 15 to 60 s, whole
	// seconds; zero means DefaultLeaseDuration. It is also the TTL
	// recorded in Run.Owner.
	LeaseDuration time.Duration
	// Spool is the local file where an owner write the service does not
	// answer waits until it does (see the package doc, Outages); "" means
	// DefaultSpoolPath(). NoSpool turns the spool off: such a write then
	// fails with state.ErrBusy after the pipeline's retries.
	Spool   string
	NoSpool bool
	// Context, when done (the CLI's Ctrl-C), makes an owner write that
	// waits out an outage give up after its current attempt, its batch
	// kept in the spool for `baton resume`; Close does the same. It does
	// not cancel requests otherwise: writes after Ctrl-C still land.
	Context context.Context
}

// DefaultLeaseDuration is the owner lease when Options.LeaseDuration is 0.
const DefaultLeaseDuration = 30 * time.Second

// Timeouts and retries: every request goes through azcore's retry policy;
// nothing here loops on transport errors.
const (
	tryTimeout = 10 * time.Second // one HTTP attempt
	maxRetries = 3                // attempts after the first
	opTimeout  = 90 * time.Second // one Backend call, all its requests
)

// Open opens the team store at u = "azblob://ACCOUNT/CONTAINER/PREFIX"
// (PREFIX optional), creating the container if it does not exist.
// Credentials: opts.ConnectionString when set, else
// azidentity.NewDefaultAzureCredential. An unreachable service yields an
// error wrapping state.ErrBusy.
func Open(ctx context.Context, u string, opts Options) (state.Backend, error) {
	s, err := open(ctx, u, opts, pipeline{})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// pipeline adjusts the client for tests: extra policies, fewer retries.
type pipeline struct {
	extra []policy.Policy
	retry *policy.RetryOptions
}

// defaultRetry is the pipeline's retry policy: each attempt bounded by
// tryTimeout, maxRetries more after the first, exponential delays.
var defaultRetry = policy.RetryOptions{
	MaxRetries:    maxRetries,
	TryTimeout:    tryTimeout,
	RetryDelay:    200 * time.Millisecond,
	MaxRetryDelay: 2 * time.Second,
}

// open is Open with an adjusted pipeline.
func open(ctx context.Context, u string, opts Options, p pipeline) (*store, error) {
	account, cont, prefix, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	ttl, err := leaseDuration(opts.LeaseDuration)
	if err != nil {
		return nil, err
	}
	s := &store{
		url:    "azblob://" + account + "/" + cont,
		prefix: prefix,
		ttl:    ttl,
		log:    opts.Log,
	}
	if prefix != "" {
		s.url += "/" + strings.TrimSuffix(prefix, "/")
	}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if !opts.NoSpool {
		s.spool = &spool{path: opts.Spool}
		if s.spool.path == "" {
			s.spool.path = DefaultSpoolPath()
		}
	}
	base := opts.Context
	if base == nil {
		base = context.Background()
	}
	s.stop, s.halt = context.WithCancel(base)
	retry := defaultRetry
	if p.retry != nil {
		retry = *p.retry
	}
	client, err := newClient(account, opts.ConnectionString, retry, append([]policy.Policy{countPolicy{&s.trips}}, p.extra...))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.url, err)
	}
	s.cc = client.ServiceClient().NewContainerClient(cont)
	if err := s.ensureContainer(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseURL splits u = "azblob://ACCOUNT/CONTAINER/PREFIX" into its parts;
// prefix is "" or ends with "/".
func ParseURL(u string) (account, container, prefix string, err error) {
	bad := func(format string, args ...any) (string, string, string, error) {
		return "", "", "", fmt.Errorf("team store URL %q: %s; write azblob://ACCOUNT/CONTAINER or azblob://ACCOUNT/CONTAINER/PREFIX", redact(u), fmt.Sprintf(format, args...))
	}
	p, perr := url.Parse(u)
	switch {
	case perr != nil:
		return bad("not a URL (%v)", perr)
	case p.Scheme != "azblob":
		return bad("unknown scheme %q (this backend reads azblob:// URLs)", p.Scheme)
	case p.User != nil || p.RawQuery != "" || p.Fragment != "" || p.Port() != "":
		return bad("no user, port, query or fragment is allowed (credentials go in AZURE_STORAGE_CONNECTION_STRING)")
	}
	account = p.Hostname()
	if !validAccount(account) {
		return bad("account %q must be 3 to 24 lowercase letters and digits", account)
	}
	parts := strings.SplitN(strings.TrimPrefix(p.Path, "/"), "/", 2)
	container = parts[0]
	if !validContainer(container) {
		return bad("container %q must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit", container)
	}
	if len(parts) == 2 && strings.Trim(parts[1], "/") != "" {
		rest := strings.Trim(parts[1], "/")
		for _, seg := range strings.Split(rest, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\") {
				return bad("prefix %q has an empty, \".\", \"..\" or backslashed segment", rest)
			}
		}
		if len(rest) > 512 {
			return bad("prefix is longer than 512 characters")
		}
		prefix = rest + "/"
	}
	return account, container, prefix, nil
}

// redact drops what could hold a secret from a URL quoted in an error:
// user information, query and fragment (a SAS token).
func redact(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i] + "?…"
	}
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		host, path, _ := strings.Cut(rest, "/")
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = "…@" + host[i+1:]
		}
		u = scheme + "://" + host
		if path != "" || strings.Contains(rest, "/") {
			u += "/" + path
		}
	}
	return u
}

func validAccount(a string) bool {
	if len(a) < 3 || len(a) > 24 {
		return false
	}
	for _, c := range a {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validContainer(c string) bool {
	if len(c) < 3 || len(c) > 63 || c[0] == '-' || c[len(c)-1] == '-' || strings.Contains(c, "--") {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func leaseDuration(d time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultLeaseDuration, nil
	case d < 15*time.Second || d > 60*time.Second || d%time.Second != 0:
		return 0, fmt.Errorf("lease duration %s: Azure blob leases last 15 to 60 whole seconds (baton never takes an infinite lease)", d)
	}
	return d, nil
}

// newClient builds the SDK client with the retry policy and the request
// counter.
func newClient(account, connStr string, retry policy.RetryOptions, policies []policy.Policy) (*azblob.Client, error) {
	opts := &azblob.ClientOptions{ClientOptions: policy.ClientOptions{
		Retry:            retry,
		PerRetryPolicies: policies,
	}}
	if connStr != "" {
		if name := connAccount(connStr); name != "" && name != account {
			return nil, fmt.Errorf("the connection string is for account %q but the URL names %q; use the connection string of %s", name, account, account)
		}
		c, err := azblob.NewClientFromConnectionString(connStr, opts)
		if err != nil {
			// The SDK's message does not quote the string; ours neither.
			return nil, errors.New("the storage connection string is malformed; copy it again from the portal (Access keys) or use Azurite's development string")
		}
		return c, nil
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("no Azure credential (%v): set AZURE_STORAGE_CONNECTION_STRING, or sign in (az login, a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)", err)
	}
	return azblob.NewClient("https://"+account+".blob.core.windows.net/", cred, opts)
}

// connAccount returns the AccountName of a connection string, if any.
func connAccount(cs string) string {
	for _, kv := range strings.Split(cs, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && strings.EqualFold(k, "AccountName") {
			return v
		}
	}
	return ""
}

// countPolicy counts HTTP requests (every attempt), for Stats.
type countPolicy struct{ n *atomic.Uint64 }

func (p countPolicy) Do(req *policy.Request) (*http.Response, error) {
	p.n.Add(1)
	return req.Next()
}

// ensureContainer checks that the service answers and creates the
// container when it is missing.
func (s *store) ensureContainer(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.cc.GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		_, err = s.cc.Create(ctx, &container.CreateOptions{})
		if bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			err = nil
		}
	}
	if err != nil {
		return s.wrap(err, "open the team store")
	}
	return nil
}
