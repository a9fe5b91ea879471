package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"time"
)

// portalToken is the credential in a request e-mail's link.
var portalToken = regexp.MustCompile(`/portal/r/([A-Za-z0-9_-]{43})`)

// mailbox reads the e-mails of a run where its mail goes: the worker's
// log, as `caseflow dev` sends it (the log transport), which is where a
// developer finds the client's link too. It keeps the portal token of the
// latest e-mail to each address.
type mailbox struct {
	mu     sync.Mutex
	tokens map[string]string
	// arrived is closed, and replaced, when a token comes in.
	arrived chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// followMail reads the log from its current end on, until close.
func followMail(path string) (*mailbox, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the worker's log: %w", err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("the worker's log: %w", err)
	}
	m := &mailbox{tokens: map[string]string{}, arrived: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		defer f.Close()
		m.follow(bufio.NewReaderSize(f, 1<<16))
	}()
	return m, nil
}

func (m *mailbox) close() {
	close(m.stop)
	<-m.done
}

// follow reads whole lines as the worker writes them, polling at the end
// of the file: a few milliseconds at most added to the wait for a link.
func (m *mailbox) follow(r *bufio.Reader) {
	var partial []byte
	for {
		line, err := r.ReadBytes('\n')
		partial = append(partial, line...)
		if err == nil {
			m.read(partial)
			partial = partial[:0]
			continue
		}
		if !errors.Is(err, io.EOF) {
			return
		}
		select {
		case <-m.stop:
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// read takes one log line; the lines are JSON, and an e-mail's is the log
// transport's, with its recipient and text.
func (m *mailbox) read(line []byte) {
	if !bytes.Contains(line, []byte("log transport")) {
		return
	}
	var e struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}
	if json.Unmarshal(line, &e) != nil {
		return
	}
	match := portalToken.FindStringSubmatch(e.Text)
	if match == nil {
		return
	}
	m.mu.Lock()
	m.tokens[e.To] = match[1]
	close(m.arrived)
	m.arrived = make(chan struct{})
	m.mu.Unlock()
}

// token waits, up to limit, for an e-mail to the address with a link.
func (m *mailbox) token(ctx context.Context, to string, limit time.Duration) (string, error) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		m.mu.Lock()
		tok, arrived := m.tokens[to], m.arrived
		m.mu.Unlock()
		if tok != "" {
			m.mu.Lock()
			delete(m.tokens, to)
			m.mu.Unlock()
			return tok, nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return "", ctx.Err()
		case <-deadline.C:
			return "", fmt.Errorf("no e-mail with a link to %s within %s", to, limit)
		}
	}
}
