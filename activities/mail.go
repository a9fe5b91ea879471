package activities

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caseflow/caseflow/config"
)

// Email is one message ready to go.
type Email struct {
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string
}

// Mailer delivers e-mail.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// NewMailer builds the transport the configuration names.
func NewMailer(cfg config.Mail, log *slog.Logger) (Mailer, error) {
	switch cfg.Transport {
	case "log":
		return logMailer{log: log}, nil
	case "smtp":
		return newSMTPMailer(cfg)
	}
	return nil, fmt.Errorf("mail: unknown transport %q", cfg.Transport)
}

// logMailer writes e-mails to the log instead of sending them, for
// running caseflow locally.
type logMailer struct{ log *slog.Logger }

func (m logMailer) Send(ctx context.Context, e Email) error {
	m.log.InfoContext(ctx, "e-mail (log transport)", "to", e.To, "subject", e.Subject, "messageId", e.MessageID, "text", e.Text)
	return nil
}

type smtpMailer struct {
	from string
	opts []gomail.Option
	host string
}

func newSMTPMailer(cfg config.Mail) (*smtpMailer, error) {
	policy := map[string]gomail.TLSPolicy{
		"none":          gomail.NoTLS,
		"opportunistic": gomail.TLSOpportunistic,
		"mandatory":     gomail.TLSMandatory,
	}[cfg.SMTP.TLS]
	opts := []gomail.Option{
		gomail.WithPort(cfg.SMTP.Port),
		gomail.WithTLSPolicy(policy),
		gomail.WithTimeout(20 * time.Second),
	}
	if cfg.SMTP.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(cfg.SMTP.Username), gomail.WithPassword(cfg.SMTP.Password))
	}
	return &smtpMailer{from: cfg.From, opts: opts, host: cfg.SMTP.Host}, nil
}

func (m *smtpMailer) Send(ctx context.Context, e Email) error {
	msg := gomail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("mail from %q: %w", m.from, err)
	}
	if err := msg.To(e.To); err != nil {
		return fmt.Errorf("mail to %q: %w", e.To, err)
	}
	msg.Subject(e.Subject)
	msg.SetMessageIDWithValue(e.MessageID)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	client, err := gomail.NewClient(m.host, m.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send to %s: %w", e.To, err)
	}
	return nil
}

//go:embed templates/*.tmpl
var templateFiles embed.FS

// templates renders e-mails: subject and text with text/template, the
// HTML part with html/template, from one file per kind.
type templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

func loadTemplates() (*templates, error) {
	t := &templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		kind := strings.TrimSuffix(e.Name(), ".tmpl")
		if kind == "layout" {
			continue
		}
		files := []string{"templates/layout.tmpl", "templates/" + e.Name()}
		tt, err := texttemplate.ParseFS(templateFiles, files...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", kind, err)
		}
		ht, err := htmltemplate.ParseFS(templateFiles, files...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", kind, err)
		}
		t.text[kind], t.html[kind] = tt, ht
	}
	return t, nil
}

// render builds the subject, text and HTML of a kind of e-mail.
func (t *templates) render(kind string, data any) (subject, text, html string, err error) {
	tt, ok := t.text[kind]
	if !ok {
		return "", "", "", fmt.Errorf("no e-mail template %q", kind)
	}
	var b bytes.Buffer
	if err := tt.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("render %s subject: %w", kind, err)
	}
	subject = strings.TrimSpace(b.String())
	b.Reset()
	if err := tt.ExecuteTemplate(&b, "text", data); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", kind, err)
	}
	text = strings.TrimSpace(b.String()) + "\n"
	b.Reset()
	if err := t.html[kind].ExecuteTemplate(&b, "html", data); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	return subject, text, b.String(), nil
}
