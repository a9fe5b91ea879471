// Package config loads caseflow's settings: built-in defaults, then an
// optional caseflow.yaml, then CASEFLOW_* environment variables (a key's
// dots become underscores: temporal.taskQueue is CASEFLOW_TEMPORAL_TASKQUEUE).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/spf13/viper"
)

// Config is every setting caseflow reads. Zero values never reach the
// program: Load fills defaults and validates.
type Config struct {
	HTTP        HTTP        `mapstructure:"http"`
	Database    Database    `mapstructure:"database"`
	Temporal    Temporal    `mapstructure:"temporal"`
	Mail        Mail        `mapstructure:"mail"`
	Portal      Portal      `mapstructure:"portal"`
	Cases       Cases       `mapstructure:"cases"`
	Reminders   Reminders   `mapstructure:"reminders"`
	Digest      Digest      `mapstructure:"digest"`
	Idempotency Idempotency `mapstructure:"idempotency"`
	Screening   Screening   `mapstructure:"screening"`
	Codec       Codec       `mapstructure:"codec"`
	Auth        Auth        `mapstructure:"auth"`
	Documents   Documents   `mapstructure:"documents"`
	Dashboard   Dashboard   `mapstructure:"dashboard"`
}

// Dashboard governs the officers' web workspace under /ui: sign-in by an
// e-mailed single-use link, then a session cookie.
type Dashboard struct {
	// BaseURL is where officers reach caseflow: the e-mailed sign-in links
	// point there, and an https one makes the session cookie Secure.
	BaseURL string `mapstructure:"baseUrl"`
	// SignInTTL is how long an e-mailed sign-in link stays usable.
	SignInTTL time.Duration `mapstructure:"signInTTL"`
	// SignInPerHour bounds the links one address may ask for in an hour;
	// past it, no more are sent (the answer does not say so).
	SignInPerHour int `mapstructure:"signInPerHour"`
	// SessionIdle ends a session unused for this long; SessionMax ends
	// any session this long after sign-in.
	SessionIdle time.Duration `mapstructure:"sessionIdle"`
	SessionMax  time.Duration `mapstructure:"sessionMax"`
}

// Documents governs the files clients and officers upload. They are
// encrypted under codec.keys before they leave caseflow.
type Documents struct {
	// Bucket is where documents are kept, as a URL: file:///dir, or
	// s3://, gs://, azblob:// in production. Empty means a directory under
	// caseflow's data directory.
	Bucket string `mapstructure:"bucket"`
	// MaxFileBytes bounds one file.
	MaxFileBytes int64 `mapstructure:"maxFileBytes"`
	// MaxFiles bounds the files of one request.
	MaxFiles int `mapstructure:"maxFiles"`
	// Types are the media types accepted, as detected from a file's
	// content, never its name. In the environment, comma-separated.
	Types []string `mapstructure:"types"`
}

// Auth governs the API's bearer tokens.
type Auth struct {
	// TokenTTL is how long a token is valid from its creation; 0 issues
	// tokens that never expire. A token keeps the expiry it was issued
	// with, so changing this affects new tokens only.
	TokenTTL time.Duration `mapstructure:"tokenTTL"`
}

// Codec encrypts workflow payloads (AES-256-GCM) so personal data is not
// stored in clear in Temporal.
type Codec struct {
	// Keys is "id:base64key[,id2:base64key…]", 32-byte keys. Empty leaves
	// payloads in clear (caseflow warns at start-up).
	Keys string `mapstructure:"keys"`
	// ActiveKey encrypts new payloads; the first key by default. Every
	// key listed still decrypts, which is how keys rotate.
	ActiveKey string `mapstructure:"activeKey"`
	// EndpointAuth guards the /codec endpoint the Temporal UI decodes
	// through: "token" (an officer's or admin's bearer token) or "none"
	// (local development only).
	EndpointAuth string `mapstructure:"endpointAuth"`
}

// Idempotency governs the Idempotency-Key header.
type Idempotency struct {
	// TTL is how long a key and its answer are kept (at least 24h).
	TTL time.Duration `mapstructure:"ttl"`
	// Lease is how long a request holds its key before a retry may take
	// it over, as when the process handling it died. It must exceed the
	// longest request.
	Lease time.Duration `mapstructure:"lease"`
}

// Screening turns transaction verdicts into cases.
type Screening struct {
	// Rules pick the case type; the first match wins.
	Rules []contract.ScreeningRule `mapstructure:"rules"`
}

// DefaultScreeningRules are the built-in rules: a specific hit outranks
// the outcome.
func DefaultScreeningRules() []contract.ScreeningRule {
	return []contract.ScreeningRule{
		{Hit: "SANCTIONS", CaseType: "SANCTIONS_HIT"},
		{Hit: "PEP", CaseType: "PEP_MATCH"},
		{Hit: "BEHAVIORAL", CaseType: "BEHAVIORAL_ANOMALY"},
		{Outcome: contract.OutcomeBlock, CaseType: "SUSPICIOUS_TRANSACTION"},
		{Outcome: contract.OutcomeEscalate, CaseType: "AML_ALERT"},
		{Outcome: contract.OutcomeReview, CaseType: "AML_ALERT"},
	}
}

// Digest is the daily e-mail of overdue cases to their officers.
type Digest struct {
	// Cron is when it goes out, in UTC: "0 7 * * *" is 07:00 every day.
	Cron string `mapstructure:"cron"`
}

// Reminders space the e-mails of a client request around its due date.
type Reminders struct {
	// Before lists reminders ahead of the due date, e.g. [72h, 24h].
	Before []time.Duration `mapstructure:"before"`
	// OverdueEvery is the gap between reminders once the date has passed;
	// OverdueMax bounds how many go out.
	OverdueEvery time.Duration `mapstructure:"overdueEvery"`
	OverdueMax   int           `mapstructure:"overdueMax"`
}

type HTTP struct {
	Addr string `mapstructure:"addr"`
	// BodyLimit bounds request bodies in bytes; larger ones get 413.
	BodyLimit int `mapstructure:"bodyLimit"`
	// AuthFailuresPerMinute is how many wrong, expired or revoked bearer
	// tokens one client address may send in a minute; past it, every
	// request of its that needs a token gets 429 until the minute is out.
	AuthFailuresPerMinute int `mapstructure:"authFailuresPerMinute"`
	// TrustedProxies are the load balancers and reverse proxies (addresses
	// or CIDR prefixes) whose X-Forwarded-For names the client for the
	// per-address limits; empty: the TCP peer is the client.
	TrustedProxies []string `mapstructure:"trustedProxies"`
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
	// CaseflowURL is where people reach caseflow's API: each case's
	// workflow links its detail there in the Temporal UI.
	CaseflowURL string `mapstructure:"caseflowUrl"`
	// CallTimeout bounds every call the API makes to Temporal, so an outage
	// answers 503 instead of hanging the client.
	CallTimeout time.Duration `mapstructure:"callTimeout"`
	// HistoryLimit is the history length past which a case's workflow
	// continues as new (sooner if Temporal suggests it). A case keeps the
	// limit it opened with.
	HistoryLimit int `mapstructure:"historyLimit"`
	// WorkflowCacheSize bounds the open cases a worker keeps in memory
	// (about 80 KB each, measured); one evicted replays its history when
	// it next wakes.
	WorkflowCacheSize int `mapstructure:"workflowCacheSize"`
	// GRPCCompression is "none" or "gzip" for what caseflow sends Temporal.
	// caseflow runs beside its Temporal, where compressing every request
	// costs CPU and saves nothing (12% of a busy worker's CPU, measured);
	// gzip pays off across a WAN, as to Temporal Cloud.
	GRPCCompression string `mapstructure:"grpcCompression"`
	// Retention is how long Temporal keeps a closed case's history when
	// caseflow registers the namespace (`make cluster`); the projection
	// keeps the case and its timeline for good.
	Retention time.Duration `mapstructure:"retention"`
}

type Mail struct {
	Transport string `mapstructure:"transport"`
	SMTP      SMTP   `mapstructure:"smtp"`
	From      string `mapstructure:"from"`
}

type SMTP struct {
	Host string `mapstructure:"host"`
	Port int    `mapstructure:"port"`
	// TLS is none, opportunistic (STARTTLS when offered) or mandatory.
	TLS      string `mapstructure:"tls"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
}

type Portal struct {
	BaseURL string `mapstructure:"baseUrl"`
	// RateLimit is how many portal requests one address may make a minute.
	RateLimit int `mapstructure:"rateLimit"`
}

// Cases holds the case catalogue: which types exist and the lifecycle
// family each one follows.
type Cases struct {
	// Types maps a case type to its family, "investigation" or "onboarding".
	Types map[string]contract.Family `mapstructure:"types"`
	// NeedsIndividual lists the case types whose case must name at least
	// one INDIVIDUAL entity (an identity verification verifies a person).
	NeedsIndividual []string `mapstructure:"needsIndividual"`
	// Checks lists the checks required of an entity, by case type (or
	// DEFAULT) and entity kind (INDIVIDUAL, COMPANY).
	Checks map[string]map[string][]string `mapstructure:"checks"`
	// AutoApprove is the default of a new onboarding case's autoApprove,
	// by case type; a create request may say otherwise.
	AutoApprove map[string]bool `mapstructure:"autoApprove"`
	// ProviderChecks are the check types a screening provider answers
	// (through the result endpoint) rather than the client: they are never
	// asked of the client.
	ProviderChecks []string `mapstructure:"providerChecks"`
	// FourEyes forbids the person who submitted a case for review (or
	// sent its request) from resolving or approving it.
	FourEyes bool `mapstructure:"fourEyes"`
	// MaxDueYears is how far ahead (and back) a due date may be set.
	MaxDueYears int `mapstructure:"maxDueYears"`
}

// RequiredChecks is the set of checks an entity of this kind needs in a
// case of this type.
func (c Cases) RequiredChecks(caseType, kind string) []string {
	if byKind, ok := c.Checks[caseType]; ok {
		if checks, ok := byKind[kind]; ok {
			return checks
		}
	}
	return c.Checks[DefaultChecks][kind]
}

// DefaultChecks is the Checks entry used for case types without their own.
const DefaultChecks = "DEFAULT"

// DefaultRequiredChecks is the built-in check catalogue.
func DefaultRequiredChecks() map[string]map[string][]string {
	return map[string]map[string][]string{
		DefaultChecks: {
			"INDIVIDUAL": {"IDENTITY_DOCUMENT", "PROOF_OF_ADDRESS", "SANCTIONS_SCREENING", "PEP_SCREENING"},
			"COMPANY":    {"COMPANY_REGISTRY", "UBO_DECLARATION", "SANCTIONS_SCREENING"},
		},
	}
}

// DefaultNeedsIndividual lists the built-in case types whose cases must
// name an INDIVIDUAL entity.
func DefaultNeedsIndividual() []string { return []string{"IDENTITY_VERIFICATION"} }

// DefaultCaseTypes is the built-in case type catalogue.
func DefaultCaseTypes() map[string]contract.Family {
	return map[string]contract.Family{
		"IDENTITY_VERIFICATION":  contract.FamilyOnboarding,
		"INFORMATION_REQUEST":    contract.FamilyOnboarding,
		"KYC_UPDATE_REQUEST":     contract.FamilyOnboarding,
		"DOCUMENT_UPDATE":        contract.FamilyOnboarding,
		"ONBOARDING":             contract.FamilyOnboarding,
		"SUSPICIOUS_TRANSACTION": contract.FamilyInvestigation,
		"AML_ALERT":              contract.FamilyInvestigation,
		"SANCTIONS_HIT":          contract.FamilyInvestigation,
		"PEP_MATCH":              contract.FamilyInvestigation,
		"FRAUD_ALERT":            contract.FamilyInvestigation,
		"KYC_REVIEW":             contract.FamilyInvestigation,
		"REGULATORY_INQUIRY":     contract.FamilyInvestigation,
		"BEHAVIORAL_ANOMALY":     contract.FamilyInvestigation,
	}
}

// DefaultDatabaseURL is where caseflow looks for Postgres when nothing says
// otherwise: the local server with trust auth.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/caseflow?sslmode=disable"

func setDefaults(v *viper.Viper) {
	v.SetDefault("http.addr", ":8080")
	v.SetDefault("http.bodyLimit", 1<<20)
	v.SetDefault("http.authFailuresPerMinute", 20)
	v.SetDefault("http.trustedProxies", []string{})
	v.SetDefault("database.url", DefaultDatabaseURL)
	v.SetDefault("database.maxOpenConns", 20)
	v.SetDefault("temporal.address", "localhost:7233")
	v.SetDefault("temporal.namespace", "default")
	v.SetDefault("temporal.taskQueue", "cases")
	v.SetDefault("temporal.uiUrl", "http://localhost:8233")
	v.SetDefault("temporal.caseflowUrl", "http://localhost:8080")
	v.SetDefault("temporal.callTimeout", 10*time.Second)
	v.SetDefault("temporal.historyLimit", 10_000)
	v.SetDefault("temporal.workflowCacheSize", 2_000)
	v.SetDefault("temporal.grpcCompression", "none")
	v.SetDefault("temporal.retention", 30*24*time.Hour)
	v.SetDefault("mail.transport", "log")
	v.SetDefault("mail.smtp.host", "localhost")
	v.SetDefault("mail.smtp.port", 25)
	v.SetDefault("mail.smtp.tls", "opportunistic")
	v.SetDefault("mail.smtp.username", "")
	v.SetDefault("mail.smtp.password", "")
	v.SetDefault("mail.from", "caseflow <no-reply@caseflow.local>")
	v.SetDefault("portal.baseUrl", "http://localhost:8080")
	v.SetDefault("portal.rateLimit", 60)
	v.SetDefault("cases.types", DefaultCaseTypes())
	v.SetDefault("cases.needsIndividual", DefaultNeedsIndividual())
	v.SetDefault("cases.checks", DefaultRequiredChecks())
	v.SetDefault("cases.autoApprove", map[string]bool{})
	v.SetDefault("cases.fourEyes", false)
	v.SetDefault("cases.maxDueYears", 5)
	v.SetDefault("cases.providerChecks", []string{"SANCTIONS_SCREENING", "PEP_SCREENING"})
	v.SetDefault("reminders.before", []string{"72h", "24h"})
	v.SetDefault("reminders.overdueEvery", "72h")
	v.SetDefault("reminders.overdueMax", 3)
	v.SetDefault("digest.cron", "0 7 * * *")
	v.SetDefault("idempotency.ttl", "24h")
	v.SetDefault("idempotency.lease", "1m")
	v.SetDefault("screening.rules", DefaultScreeningRules())
	v.SetDefault("codec.keys", "")
	v.SetDefault("codec.activeKey", "")
	v.SetDefault("codec.endpointAuth", "token")
	v.SetDefault("auth.tokenTTL", 90*24*time.Hour)
	v.SetDefault("documents.bucket", "")
	v.SetDefault("documents.maxFileBytes", contract.DefaultDocumentBytes)
	v.SetDefault("documents.maxFiles", 20)
	v.SetDefault("documents.types", contract.DefaultDocumentTypes())
	v.SetDefault("dashboard.baseUrl", "http://localhost:8080")
	v.SetDefault("dashboard.signInTTL", 15*time.Minute)
	v.SetDefault("dashboard.signInPerHour", 5)
	v.SetDefault("dashboard.sessionIdle", time.Hour)
	v.SetDefault("dashboard.sessionMax", 12*time.Hour)
}

// EnvironmentVariables lists the variable of every setting, as caseflow
// reads it (CASEFLOW_ and the key, upper-case, dots as underscores): what a
// deployment file may set.
func EnvironmentVariables() []string {
	v := viper.New()
	setDefaults(v)
	var vars []string
	for _, k := range v.AllKeys() {
		vars = append(vars, "CASEFLOW_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_")))
	}
	sort.Strings(vars)
	return vars
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
	types := make(map[string]contract.Family, len(c.Cases.Types))
	for t, family := range c.Cases.Types {
		types[strings.ToUpper(t)] = contract.Family(strings.ToLower(string(family)))
	}
	c.Cases.Types = types
	for i, t := range c.Cases.NeedsIndividual {
		c.Cases.NeedsIndividual[i] = strings.ToUpper(t)
	}
	checks := make(map[string]map[string][]string, len(c.Cases.Checks))
	for t, byKind := range c.Cases.Checks {
		up := make(map[string][]string, len(byKind))
		for kind, list := range byKind {
			up[strings.ToUpper(kind)] = list
		}
		checks[strings.ToUpper(t)] = up
	}
	c.Cases.Checks = checks
	auto := make(map[string]bool, len(c.Cases.AutoApprove))
	for t, on := range c.Cases.AutoApprove {
		auto[strings.ToUpper(t)] = on
	}
	c.Cases.AutoApprove = auto
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
	if c.Cases.MaxDueYears < 1 || c.Cases.MaxDueYears > 100 {
		bad("cases.maxDueYears", "must be from 1 to 100, got %d", c.Cases.MaxDueYears)
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				bad("http.trustedProxies", "%q is not an address or a CIDR prefix", p)
			}
		}
	}
	if c.HTTP.AuthFailuresPerMinute <= 0 {
		bad("http.authFailuresPerMinute", "must be positive")
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
	if c.Temporal.HistoryLimit < 1_000 || c.Temporal.HistoryLimit > 40_000 {
		bad("temporal.historyLimit", "must be from 1000 to 40000 events (Temporal refuses past 51200), got %d", c.Temporal.HistoryLimit)
	}
	if c.Temporal.WorkflowCacheSize < 1 {
		bad("temporal.workflowCacheSize", "must be positive")
	}
	if c.Temporal.Retention < 24*time.Hour {
		bad("temporal.retention", "must be at least a day (Temporal's minimum), got %s", c.Temporal.Retention)
	}
	if c.Temporal.CallTimeout <= 0 {
		bad("temporal.callTimeout", "must be positive")
	}
	if c.Temporal.GRPCCompression != "none" && c.Temporal.GRPCCompression != "gzip" {
		bad("temporal.grpcCompression", "must be none or gzip, got %q", c.Temporal.GRPCCompression)
	}
	if c.Temporal.UIURL != "" {
		if u, err := url.Parse(c.Temporal.UIURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("temporal.uiUrl", "want an absolute URL, got %q", c.Temporal.UIURL)
		}
	}
	if u, err := url.Parse(c.Temporal.CaseflowURL); err != nil || u.Scheme == "" || u.Host == "" {
		bad("temporal.caseflowUrl", "want an absolute URL, got %q", c.Temporal.CaseflowURL)
	}
	switch c.Mail.Transport {
	case "log", "smtp":
	default:
		bad("mail.transport", "want smtp or log, got %q", c.Mail.Transport)
	}
	switch c.Mail.SMTP.TLS {
	case "none", "opportunistic", "mandatory":
	default:
		bad("mail.smtp.tls", "want none, opportunistic or mandatory, got %q", c.Mail.SMTP.TLS)
	}
	if c.Mail.Transport == "smtp" && (c.Mail.SMTP.Host == "" || c.Mail.SMTP.Port <= 0) {
		bad("mail.smtp.host", "the smtp transport needs mail.smtp.host and mail.smtp.port")
	}
	if _, err := mail.ParseAddress(c.Mail.From); err != nil {
		bad("mail.from", "want an address like \"caseflow <no-reply@bank.example>\", got %q", c.Mail.From)
	}
	if u, err := url.Parse(c.Portal.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		bad("portal.baseUrl", "want an absolute URL, got %q", c.Portal.BaseURL)
	}
	if len(strings.Fields(c.Digest.Cron)) != 5 {
		bad("digest.cron", "want five cron fields (minute hour day month weekday), got %q", c.Digest.Cron)
	}
	if c.Idempotency.TTL < 24*time.Hour {
		bad("idempotency.ttl", "must be at least 24h, got %s", c.Idempotency.TTL)
	}
	if c.Idempotency.Lease <= c.Temporal.CallTimeout {
		bad("idempotency.lease", "must exceed temporal.callTimeout (%s), got %s", c.Temporal.CallTimeout, c.Idempotency.Lease)
	}
	for i, r := range c.Screening.Rules {
		key := fmt.Sprintf("screening.rules[%d]", i)
		if c.Cases.Types[r.CaseType] != contract.FamilyInvestigation {
			bad(key+".caseType", "%q is not an investigation case type of cases.types", r.CaseType)
		}
		if r.Outcome != "" && r.Outcome != contract.OutcomeReview && r.Outcome != contract.OutcomeEscalate && r.Outcome != contract.OutcomeBlock {
			bad(key+".outcome", "must be REVIEW, ESCALATE or BLOCK, got %q", r.Outcome)
		}
	}
	if c.Codec.EndpointAuth != "token" && c.Codec.EndpointAuth != "none" {
		bad("codec.endpointAuth", "want token or none, got %q", c.Codec.EndpointAuth)
	}
	if c.Auth.TokenTTL < 0 {
		bad("auth.tokenTTL", "must not be negative (0: tokens never expire), got %s", c.Auth.TokenTTL)
	}
	if c.Portal.RateLimit <= 0 {
		bad("portal.rateLimit", "must be positive")
	}
	if len(c.Cases.Types) == 0 {
		bad("cases.types", "the catalogue is empty")
	}
	for _, t := range sortedKeys(c.Cases.Types) {
		if _, ok := contract.LifecycleFor(c.Cases.Types[t]); !ok {
			bad("cases.types."+t, "family must be %s or %s, got %q", contract.FamilyInvestigation, contract.FamilyOnboarding, c.Cases.Types[t])
		}
	}
	for _, t := range c.Cases.NeedsIndividual {
		family, known := c.Cases.Types[t]
		// The default names a built-in type; a catalogue of its own
		// that leaves that type out just does not use the rule.
		if !known && slices.Equal(c.Cases.NeedsIndividual, DefaultNeedsIndividual()) {
			continue
		}
		if family != contract.FamilyOnboarding {
			bad("cases.needsIndividual", "%q is not an onboarding case type of cases.types", t)
		}
	}
	for _, t := range sortedKeys(c.Cases.Checks) {
		if _, ok := c.Cases.Types[t]; !ok && t != DefaultChecks {
			bad("cases.checks."+t, "not a case type of cases.types (or %s)", DefaultChecks)
		}
		for _, kind := range sortedKeys(c.Cases.Checks[t]) {
			if kind != "INDIVIDUAL" && kind != "COMPANY" {
				bad("cases.checks."+t+"."+kind, "entity kind must be INDIVIDUAL or COMPANY")
			}
			for _, check := range c.Cases.Checks[t][kind] {
				if strings.TrimSpace(check) == "" {
					bad("cases.checks."+t+"."+kind, "check names must not be empty")
				}
			}
		}
	}
	for _, d := range c.Reminders.Before {
		if d <= 0 {
			bad("reminders.before", "durations must be positive, got %s", d)
		}
	}
	if c.Reminders.OverdueEvery <= 0 && c.Reminders.OverdueMax > 0 {
		bad("reminders.overdueEvery", "must be positive when reminders.overdueMax is set")
	}
	if c.Reminders.OverdueMax < 0 {
		bad("reminders.overdueMax", "must not be negative")
	}
	for _, check := range c.Cases.ProviderChecks {
		if strings.TrimSpace(check) == "" {
			bad("cases.providerChecks", "check names must not be empty")
		}
	}
	for _, t := range sortedKeys(c.Cases.AutoApprove) {
		if c.Cases.Types[t] != contract.FamilyOnboarding {
			bad("cases.autoApprove."+t, "not an onboarding case type")
		}
	}
	if c.Documents.Bucket != "" {
		if u, err := url.Parse(c.Documents.Bucket); err != nil || u.Scheme == "" {
			bad("documents.bucket", "want a bucket URL such as file:///var/lib/caseflow/documents or s3://bucket?region=eu-central-1, got %q", redact(c.Documents.Bucket))
		}
	}
	// Within what a case may record (the contract), or files would be
	// stored that the case then refuses.
	if c.Documents.MaxFileBytes <= 0 || c.Documents.MaxFileBytes > contract.MaxDocumentBytes {
		bad("documents.maxFileBytes", "must be from 1 to %d", contract.MaxDocumentBytes)
	}
	if c.Documents.MaxFiles <= 0 || c.Documents.MaxFiles > contract.MaxDocumentsPerAnswer {
		bad("documents.maxFiles", "must be from 1 to %d", contract.MaxDocumentsPerAnswer)
	}
	if len(c.Documents.Types) == 0 {
		bad("documents.types", "no type is accepted: list media types such as application/pdf")
	}
	for _, t := range c.Documents.Types {
		if !mediaType.MatchString(t) {
			bad("documents.types", "want media types such as application/pdf, got %q", t)
		}
	}
	if u, err := url.Parse(c.Dashboard.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("dashboard.baseUrl", "want an absolute http(s) URL, got %q", c.Dashboard.BaseURL)
	}
	if c.Dashboard.SignInTTL < time.Minute || c.Dashboard.SignInTTL > 24*time.Hour {
		bad("dashboard.signInTTL", "must be from 1m to 24h, got %s", c.Dashboard.SignInTTL)
	}
	if c.Dashboard.SignInPerHour <= 0 {
		bad("dashboard.signInPerHour", "must be positive")
	}
	if c.Dashboard.SessionIdle < time.Minute {
		bad("dashboard.sessionIdle", "must be at least 1m, got %s", c.Dashboard.SessionIdle)
	}
	if c.Dashboard.SessionMax < c.Dashboard.SessionIdle {
		bad("dashboard.sessionMax", "must be at least dashboard.sessionIdle (%s), got %s", c.Dashboard.SessionIdle, c.Dashboard.SessionMax)
	}
	return errors.Join(errs...)
}

var mediaType = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$`)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
