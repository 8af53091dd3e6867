package azblob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/batonhq/baton/state"
	"github.com/hashicorp/go-hclog"
)

// store is the Azure Blob backend. It keeps no state of its own beyond
// the client: every call reads what it needs from the service.
type store struct {
	cc     *container.Client
	url    string // azblob://account/container[/prefix], for messages
	prefix string // "" or ending in "/"
	ttl    time.Duration
	log    hclog.Logger
	trips  atomic.Uint64 // HTTP requests sent (every attempt)
	moved  atomic.Uint64 // appends refused because the journal moved (412)
	closed atomic.Bool
	spool  *spool // nil: owner writes do not wait out an outage
	// stop ends when Options.Context does or at Close: an owner write
	// waiting out an outage gives up.
	stop context.Context
	halt context.CancelFunc
}

// Internal outcomes of conditional requests; callers turn them into the
// contract's errors.
var (
	errNoBlob = errors.New("blob does not exist")
	errRace   = errors.New("blob changed meanwhile")    // If-Match / If-None-Match failed
	errMoved  = errors.New("append position moved")     // someone appended first
	errLeased = errors.New("blob is leased by another") // 409 LeaseAlreadyPresent
)

// maxBlock is the largest append block the service takes.
const maxBlock = 4 << 20

// Blob names. Keys, ids and step names are path-escaped (a trailing dot
// too, which the service would drop), so any name is one path segment.
func esc(s string) string {
	e := url.PathEscape(s)
	t := strings.TrimRight(e, ".")
	return t + strings.Repeat("%2E", len(e)-len(t))
}

func unesc(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func (s *store) runDir(id string) string        { return s.prefix + "runs/" + esc(id) + "/" }
func (s *store) journalName(id string) string   { return s.runDir(id) + "journal" }
func (s *store) ownerName(id string) string     { return s.runDir(id) + "owner" }
func (s *store) logName(id, step string) string { return s.runDir(id) + "logs/" + esc(step) }
func (s *store) lockName(key string) string     { return s.prefix + "locks/" + esc(key) }
func (s *store) planName(digest string) string  { return s.prefix + "plans/" + esc(digest) }

// checkBlobName refuses a name the service cannot store.
func checkBlobName(what, name string) error {
	if len(name) > 1024 {
		return fmt.Errorf("%s is too long once escaped for a blob name (%d > 1024 characters)", what, len(name))
	}
	return nil
}

// ctx bounds one Backend call.
func (s *store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

func (s *store) checkOpen() error {
	if s.closed.Load() {
		return fmt.Errorf("%w: %s", state.ErrClosed, s.url)
	}
	return nil
}

// blobData is a downloaded blob.
type blobData struct {
	data   []byte
	etag   azcore.ETag
	leased bool // an active lease is held on it
}

// get downloads a blob; errNoBlob when it does not exist.
func (s *store) get(ctx context.Context, name string) (blobData, error) {
	resp, err := s.cc.NewBlobClient(name).DownloadStream(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return blobData{}, errNoBlob
	}
	if err != nil {
		return blobData{}, s.wrap(err, "read "+name)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return blobData{}, s.wrap(err, "read "+name)
	}
	b := blobData{data: data}
	if resp.ETag != nil {
		b.etag = *resp.ETag
	}
	b.leased = resp.LeaseState != nil && *resp.LeaseState == lease.StateTypeLeased
	return b, nil
}

// etagOf returns a blob's ETag without downloading it.
func (s *store) etagOf(ctx context.Context, name string) (azcore.ETag, error) {
	p, err := s.cc.NewBlobClient(name).GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) || isStatus(err, 404) {
		return "", errNoBlob
	}
	if err != nil {
		return "", s.wrap(err, "read "+name)
	}
	return *p.ETag, nil
}

// put writes a block blob: created when etag is "" (If-None-Match *),
// replaced when it matches otherwise; errRace when the condition fails.
func (s *store) put(ctx context.Context, name string, data []byte, etag azcore.ETag, leaseID string) (azcore.ETag, error) {
	ac := &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{}}
	if etag == "" {
		ac.ModifiedAccessConditions.IfNoneMatch = to.Ptr(azcore.ETagAny)
	} else if etag != azcore.ETagAny {
		ac.ModifiedAccessConditions.IfMatch = to.Ptr(etag)
	}
	if leaseID != "" {
		ac.LeaseAccessConditions = &blob.LeaseAccessConditions{LeaseID: to.Ptr(leaseID)}
	}
	resp, err := s.cc.NewBlockBlobClient(name).Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{
		AccessConditions: ac,
		HTTPHeaders:      &blob.HTTPHeaders{BlobContentType: to.Ptr("application/json")},
	})
	switch {
	case bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet, bloberror.BlobNotFound),
		isStatus(err, 412) && !bloberror.HasCode(err, bloberror.LeaseIDMismatchWithBlobOperation, bloberror.LeaseIDMissing):
		return "", errRace
	case bloberror.HasCode(err, bloberror.LeaseIDMismatchWithBlobOperation, bloberror.LeaseIDMissing, bloberror.LeaseLost, bloberror.LeaseNotPresentWithBlobOperation):
		return "", errLeased
	case err != nil:
		return "", s.wrap(err, "write "+name)
	}
	return *resp.ETag, nil
}

// remove deletes a blob if its ETag still is etag; a missing or changed
// blob is left alone (errRace).
func (s *store) remove(ctx context.Context, name string, etag azcore.ETag) error {
	_, err := s.cc.NewBlobClient(name).Delete(ctx, &blob.DeleteOptions{AccessConditions: &blob.AccessConditions{
		ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: to.Ptr(etag)},
	}})
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ConditionNotMet) || isStatus(err, 412):
		return errRace
	case err != nil:
		return s.wrap(err, "delete "+name)
	}
	return nil
}

// createAppend makes an empty append blob unless one exists.
func (s *store) createAppend(ctx context.Context, name string) error {
	_, err := s.cc.NewAppendBlobClient(name).Create(ctx, &appendblob.CreateOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}},
	})
	if err != nil && !bloberror.HasCode(err, bloberror.BlobAlreadyExists) && !isStatus(err, 409) {
		return s.wrap(err, "create "+name)
	}
	return nil
}

// appendAt appends block if the blob is exactly pos bytes long: errMoved
// if it is not, errNoBlob if it does not exist. It returns the new ETag.
func (s *store) appendAt(ctx context.Context, name string, block []byte, pos int64) (azcore.ETag, error) {
	if len(block) > maxBlock {
		return "", fmt.Errorf("write to %s: %d bytes in one write, more than an append block holds (%d); keep step outputs small and put bulk output in the step's log", name, len(block), maxBlock)
	}
	resp, err := s.cc.NewAppendBlobClient(name).AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(block)), &appendblob.AppendBlockOptions{
		AppendPositionAccessConditions: &appendblob.AppendPositionAccessConditions{AppendPosition: to.Ptr(pos)},
	})
	switch {
	case bloberror.HasCode(err, bloberror.AppendPositionConditionNotMet):
		return "", errMoved
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return "", errNoBlob
	case bloberror.HasCode(err, bloberror.BlockCountExceedsLimit):
		return "", fmt.Errorf("write to %s: the blob reached the service's limit of 50,000 appends; end this run and start a new one", name)
	case err != nil:
		return "", s.wrap(err, "append to "+name)
	}
	return *resp.ETag, nil
}

// list returns the names under prefix (flat), in service order.
func (s *store) list(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	pager := s.cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: to.Ptr(prefix)})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, s.wrap(err, "list "+prefix)
		}
		for _, b := range page.Segment.BlobItems {
			out = append(out, *b.Name)
		}
	}
	return out, nil
}

// listDirs returns the "directories" right under prefix, without it and
// without their trailing slash.
func (s *store) listDirs(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	pager := s.cc.NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{Prefix: to.Ptr(prefix)})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, s.wrap(err, "list "+prefix)
		}
		for _, p := range page.Segment.BlobPrefixes {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(*p.Name, prefix), "/"))
		}
	}
	return out, nil
}

// isStatus reports whether err is a service answer with that status.
func isStatus(err error, code int) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == code
}

// wrap turns an SDK error into one that says what to do. Transport
// failures and a busy service wrap state.ErrBusy. Only the status and
// error code are quoted: the SDK's text can hold request URLs.
func (s *store) wrap(err error, what string) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		desc := fmt.Sprintf("HTTP %d %s", re.StatusCode, re.ErrorCode)
		switch {
		case re.StatusCode == 401 || re.StatusCode == 403:
			return fmt.Errorf("%s: %s refused access (%s): check the connection string, or give this identity the Storage Blob Data Contributor role on the container", what, s.url, desc)
		case re.ErrorCode == string(bloberror.ContainerNotFound):
			return fmt.Errorf("%s: the container of %s does not exist (%s): it was deleted, or the URL names another account; restore it, or point baton at the right store", what, s.url, desc)
		case re.StatusCode == 408 || re.StatusCode == 429 || re.StatusCode >= 500:
			return &outageError{fmt.Errorf("%s: %s is busy or failing (%s, after %d retries); retry in a minute (%w)", what, s.url, desc, maxRetries, state.ErrBusy)}
		}
		return fmt.Errorf("%s: %s answered %s", what, s.url, desc)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &outageError{fmt.Errorf("%s: %s did not answer in time; check the network, then retry (%w)", what, s.url, state.ErrBusy)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL can carry a SAS token
	}
	return &outageError{fmt.Errorf("%s: cannot reach %s (%v); check the network and the account name, and that the storage service (or Azurite) is running, then retry (%w)", what, s.url, err, state.ErrBusy)}
}

// outageError marks a failure where the service did not answer, or
// answered that it is failing (408, 429, 5xx), after azcore's retries: an
// owner write that fails so waits in the spool and is tried again. Any
// other answer (412, 409, 404, 403...) is the service's decision and
// final. The message is the wrapped error's.
type outageError struct{ err error }

func (e *outageError) Error() string { return e.err.Error() }
func (e *outageError) Unwrap() error { return e.err }

// isOutage reports whether err is an outage (see outageError).
func isOutage(err error) bool {
	var o *outageError
	return errors.As(err, &o)
}
