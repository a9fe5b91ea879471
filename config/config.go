// Package config loads caseflow's settings: built-in defaults, then an
// optional caseflow.yaml, then CASEFLOW_* environment variables (a key's
// dots become underscores: temporal.taskQueue is CASEFLOW_TEMPORAL_TASKQUEUE).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Config is every setting caseflow reads. Zero values never reach the
// program: Load fills defaults and validates.
type Config struct {
	HTTP     HTTP     `mapstructure:"http"`
	Database Database `mapstructure:"database"`
	Temporal Temporal `mapstructure:"temporal"`
	Mail     Mail     `mapstructure:"mail"`
	Portal   Portal   `mapstructure:"portal"`
	Cases    Cases    `mapstructure:"cases"`
}

type HTTP struct {
	Addr string `mapstructure:"addr"`
	// BodyLimit bounds request bodies in bytes; larger ones get 413.
	BodyLimit int `mapstructure:"bodyLimit"`
}

type Database struct {
	URL          string `mapstructure:"url"`
	MaxOpenConns int    `mapstructure:"maxOpenConns"`
}

type Temporal struct {
	Address   string `mapstructure:"address"`
	Namespace string `mapstructure:"namespace"`
	TaskQueue string `mapstructure:"taskQueue"`
	UIURL     string `mapstructure:"uiUrl"`
	// CallTimeout bounds every call the API makes to Temporal, so an outage
	// answers 503 instead of hanging the client.
	CallTimeout time.Duration `mapstructure:"callTimeout"`
}

type Mail struct {
	Transport string `mapstructure:"transport"`
	SMTP      SMTP   `mapstructure:"smtp"`
	From      string `mapstructure:"from"`
}

type SMTP struct {
	Host string `mapstructure:"host"`
	Port int    `mapstructure:"port"`
}

type Portal struct {
	BaseURL string `mapstructure:"baseUrl"`
}

// Cases holds the case catalogue: which types exist and the lifecycle
// family each one follows.
type Cases struct {
	// Types maps a case type to its family, "investigation" or "onboarding".
	Types map[string]string `mapstructure:"types"`
}

// Families a case type may belong to.
const (
	FamilyInvestigation = "investigation"
	FamilyOnboarding    = "onboarding"
)

// DefaultCaseTypes is the catalogue of DESIGN.md §2.
func DefaultCaseTypes() map[string]string {
	return map[string]string{
		"IDENTITY_VERIFICATION":  FamilyOnboarding,
		"INFORMATION_REQUEST":    FamilyOnboarding,
		"KYC_UPDATE_REQUEST":     FamilyOnboarding,
		"DOCUMENT_UPDATE":        FamilyOnboarding,
		"ONBOARDING":             FamilyOnboarding,
		"SUSPICIOUS_TRANSACTION": FamilyInvestigation,
		"AML_ALERT":              FamilyInvestigation,
		"SANCTIONS_HIT":          FamilyInvestigation,
		"PEP_MATCH":              FamilyInvestigation,
		"FRAUD_ALERT":            FamilyInvestigation,
		"KYC_REVIEW":             FamilyInvestigation,
		"REGULATORY_INQUIRY":     FamilyInvestigation,
		"BEHAVIORAL_ANOMALY":     FamilyInvestigation,
	}
}

// DefaultDatabaseURL is where caseflow looks for Postgres when nothing says
// otherwise: the local server with trust auth.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/caseflow?sslmode=disable"

func setDefaults(v *viper.Viper) {
	v.SetDefault("http.addr", ":8080")
	v.SetDefault("http.bodyLimit", 1<<20)
	v.SetDefault("database.url", DefaultDatabaseURL)
	v.SetDefault("database.maxOpenConns", 20)
	v.SetDefault("temporal.address", "localhost:7233")
	v.SetDefault("temporal.namespace", "default")
	v.SetDefault("temporal.taskQueue", "cases")
	v.SetDefault("temporal.uiUrl", "http://localhost:8233")
	v.SetDefault("temporal.callTimeout", 10*time.Second)
	v.SetDefault("mail.transport", "log")
	v.SetDefault("mail.smtp.host", "localhost")
	v.SetDefault("mail.smtp.port", 25)
	v.SetDefault("mail.from", "caseflow <no-reply@caseflow.local>")
	v.SetDefault("portal.baseUrl", "http://localhost:8080")
	v.SetDefault("cases.types", DefaultCaseTypes())
}

// Load reads the configuration. file may be empty: then caseflow.yaml is
// read from the working directory when present.
func Load(file string) (Config, error) {
	v := viper.New()
	setDefaults(v)
	if file != "" {
		v.SetConfigFile(file)
	} else {
		v.SetConfigName("caseflow")
		v.SetConfigType("yaml")
		v.AddConfigPath(".")
	}
	if err := v.ReadInConfig(); err != nil {
		var notFound viper.ConfigFileNotFoundError
		if file != "" || !errors.As(err, &notFound) {
			return Config{}, fmt.Errorf("config: read %s: %w", v.ConfigFileUsed(), err)
		}
	}
	v.SetEnvPrefix("CASEFLOW")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	// Viper folds map keys to lower case; case types are upper-case names.
	types := make(map[string]string, len(c.Cases.Types))
	for t, family := range c.Cases.Types {
		types[strings.ToUpper(t)] = strings.ToLower(family)
	}
	c.Cases.Types = types
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate reports every problem at once, so an operator fixes the file in
// one pass.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}

	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "want host:port or :port, got %q", c.HTTP.Addr)
	}
	if c.HTTP.BodyLimit <= 0 {
		bad("http.bodyLimit", "must be positive")
	}
	if c.Database.URL == "" {
		bad("database.url", "missing: set CASEFLOW_DATABASE_URL, e.g. %s", DefaultDatabaseURL)
	} else if u, err := url.Parse(c.Database.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		bad("database.url", "want postgres://user@host:port/dbname, got %q", redact(c.Database.URL))
	} else if strings.TrimPrefix(u.Path, "/") == "" {
		bad("database.url", "names no database (…/dbname)")
	}
	if c.Database.MaxOpenConns <= 0 {
		bad("database.maxOpenConns", "must be positive")
	}
	if _, _, err := net.SplitHostPort(c.Temporal.Address); err != nil {
		bad("temporal.address", "want host:port, got %q", c.Temporal.Address)
	}
	if c.Temporal.Namespace == "" {
		bad("temporal.namespace", "missing")
	}
	if c.Temporal.TaskQueue == "" {
		bad("temporal.taskQueue", "missing")
	}
	if c.Temporal.CallTimeout <= 0 {
		bad("temporal.callTimeout", "must be positive")
	}
	if c.Temporal.UIURL != "" {
		if u, err := url.Parse(c.Temporal.UIURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("temporal.uiUrl", "want an absolute URL, got %q", c.Temporal.UIURL)
		}
	}
	switch c.Mail.Transport {
	case "log", "smtp":
	default:
		bad("mail.transport", "want smtp or log, got %q", c.Mail.Transport)
	}
	if u, err := url.Parse(c.Portal.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		bad("portal.baseUrl", "want an absolute URL, got %q", c.Portal.BaseURL)
	}
	if len(c.Cases.Types) == 0 {
		bad("cases.types", "the catalogue is empty")
	}
	types := make([]string, 0, len(c.Cases.Types))
	for t := range c.Cases.Types {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		if f := c.Cases.Types[t]; f != FamilyInvestigation && f != FamilyOnboarding {
			bad("cases.types."+t, "family must be %s or %s, got %q", FamilyInvestigation, FamilyOnboarding, f)
		}
	}
	return errors.Join(errs...)
}

// redact hides a password so it never reaches a log or an error message,
// even in a URL too broken to parse.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return userinfoPassword.ReplaceAllString(raw, "${1}xxxxx@")
}

var userinfoPassword = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)
