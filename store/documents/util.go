package documents

import (
	"bufio"
	"io"
	"net/url"
)

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, readBufferSize) }

// redactURL hides credentials a bucket URL may carry in its user info.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}
