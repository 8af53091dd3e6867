package httpstep

import (
	"net/http"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// SecretSink implements steps.SecretSinks: the bearer token, and the
// credential headers (Authorization, Proxy-Authorization, Cookie), which
// plans never show. A body, a URL or any other header is sent or shown as
// it is: a secret there is a validation error.
func (Kind) SecretSink(p cty.Path) bool {
	switch steps.PathAttr(p) {
	case "bearer_token":
		return len(p) == 1
	case "headers":
		return len(p) == 2 && hiddenHeaders[http.CanonicalHeaderKey(steps.PathKey(p, 1))]
	}
	return false
}

// SecretSink implements steps.SecretSinks: the webhook URL is a
// credential (its path is the secret) and is never shown. The message and
// fields go to a chat channel: a secret there is a validation error.
func (Notify) SecretSink(p cty.Path) bool {
	return len(p) == 1 && steps.PathAttr(p) == "webhook_url"
}
