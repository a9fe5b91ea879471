package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
)

func TestDefaultsAreValid(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load("")
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTP.Addr)
	require.Equal(t, "localhost:7233", c.Temporal.Address)
	require.Equal(t, "default", c.Temporal.Namespace)
	require.Equal(t, "cases", c.Temporal.TaskQueue)
	require.Equal(t, "http://localhost:8080", c.Temporal.CaseflowURL)
	require.Equal(t, 10*time.Second, c.Temporal.CallTimeout)
	require.Equal(t, "log", c.Mail.Transport)
	require.Equal(t, DefaultCaseTypes(), c.Cases.Types)
	require.Equal(t, Reminders{Before: []time.Duration{72 * time.Hour, 24 * time.Hour}, OverdueEvery: 72 * time.Hour, OverdueMax: 3}, c.Reminders)
	require.Equal(t, []string{"SANCTIONS_SCREENING", "PEP_SCREENING"}, c.Cases.ProviderChecks)
	require.Equal(t, 90*24*time.Hour, c.Auth.TokenTTL)
	require.Equal(t, 20, c.HTTP.AuthFailuresPerMinute)
}

func TestTokenTTL(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct {
		value string
		want  time.Duration
	}{
		{"720h", 30 * 24 * time.Hour},
		{"0", 0},
		{"0s", 0},
	} {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv("CASEFLOW_AUTH_TOKENTTL", tt.value)
			c, err := Load("")
			require.NoError(t, err)
			require.Equal(t, tt.want, c.Auth.TokenTTL)
		})
	}
}

func TestRemindersFromFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "caseflow.yaml"), []byte("reminders:\n  before: [48h, 2h]\n  overdueEvery: 24h\n"), 0o600))
	t.Setenv("CASEFLOW_REMINDERS_OVERDUEMAX", "5")
	c, err := Load("")
	require.NoError(t, err)
	require.Equal(t, Reminders{Before: []time.Duration{48 * time.Hour, 2 * time.Hour}, OverdueEvery: 24 * time.Hour, OverdueMax: 5}, c.Reminders)
}

func TestFileThenEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "caseflow.yaml"), []byte(`
http:
  addr: ":9090"
temporal:
  taskQueue: from-file
  namespace: compliance
cases:
  types:
    AML_ALERT: investigation
    WIRE_REVIEW: investigation
screening:
  rules:
    - {hit: SANCTIONS, caseType: AML_ALERT}
    - {outcome: BLOCK, caseType: WIRE_REVIEW}
`), 0o600))
	t.Setenv("CASEFLOW_TEMPORAL_TASKQUEUE", "from-env")
	t.Setenv("CASEFLOW_DATABASE_URL", "postgres://app@db.internal:5432/caseflow")

	c, err := Load("")
	require.NoError(t, err)
	require.Equal(t, ":9090", c.HTTP.Addr, "file over default")
	require.Equal(t, "compliance", c.Temporal.Namespace)
	require.Equal(t, "from-env", c.Temporal.TaskQueue, "environment over file")
	require.Equal(t, "postgres://app@db.internal:5432/caseflow", c.Database.URL)
	require.Equal(t, map[string]contract.Family{"AML_ALERT": contract.FamilyInvestigation, "WIRE_REVIEW": contract.FamilyInvestigation}, c.Cases.Types,
		"case types keep their upper-case names")
	require.Equal(t, []contract.ScreeningRule{{Hit: "SANCTIONS", CaseType: "AML_ALERT"}, {Outcome: "BLOCK", CaseType: "WIRE_REVIEW"}}, c.Screening.Rules)
}

func TestValidationNamesEveryBadKey(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		env, value, want string
	}{
		{"CASEFLOW_DATABASE_URL", "mysql://root@localhost/db", `database.url: want postgres://user@host:port/dbname, got "mysql://root@localhost/db"`},
		{"CASEFLOW_DATABASE_URL", "postgres://u:secret@localhost:5432", `database.url: names no database`},
		{"CASEFLOW_DATABASE_URL", "postgres://u:secret@/x%zz", `xxxxx`},
		{"CASEFLOW_HTTP_ADDR", "8080", `http.addr: want host:port or :port, got "8080"`},
		{"CASEFLOW_TEMPORAL_ADDRESS", "localhost", `temporal.address: want host:port`},
		{"CASEFLOW_MAIL_TRANSPORT", "pigeon", `mail.transport: want smtp or log, got "pigeon"`},
		{"CASEFLOW_PORTAL_BASEURL", "portal", `portal.baseUrl: want an absolute URL`},
		{"CASEFLOW_TEMPORAL_CASEFLOWURL", "/api", `temporal.caseflowUrl: want an absolute URL, got "/api"`},
		{"CASEFLOW_TEMPORAL_CALLTIMEOUT", "0s", `temporal.callTimeout: must be positive`},
		{"CASEFLOW_TEMPORAL_GRPCCOMPRESSION", "brotli", `temporal.grpcCompression: must be none or gzip, got "brotli"`},
		{"CASEFLOW_IDEMPOTENCY_TTL", "1h", `idempotency.ttl: must be at least 24h`},
		{"CASEFLOW_IDEMPOTENCY_LEASE", "5s", `idempotency.lease: must exceed temporal.callTimeout`},
		{"CASEFLOW_AUTH_TOKENTTL", "-1h", `auth.tokenTTL: must not be negative`},
		{"CASEFLOW_HTTP_AUTHFAILURESPERMINUTE", "0", `http.authFailuresPerMinute: must be positive`},
		{"CASEFLOW_DOCUMENTS_BUCKET", "/var/lib/caseflow/documents", `documents.bucket: want a bucket URL`},
		{"CASEFLOW_DOCUMENTS_BUCKET", "s3://key:secret@bucket%zz", `documents.bucket: want a bucket URL`},
		{"CASEFLOW_DOCUMENTS_MAXFILEBYTES", "0", `documents.maxFileBytes: must be from 1 to 1073741824`},
		{"CASEFLOW_DOCUMENTS_MAXFILEBYTES", "2147483648", `documents.maxFileBytes: must be from 1 to 1073741824`},
		{"CASEFLOW_DOCUMENTS_MAXFILES", "-1", `documents.maxFiles: must be from 1 to 100`},
		{"CASEFLOW_DOCUMENTS_MAXFILES", "101", `documents.maxFiles: must be from 1 to 100`},
		{"CASEFLOW_DOCUMENTS_TYPES", "pdf", `documents.types: want media types such as application/pdf, got "pdf"`},
		{"CASEFLOW_DASHBOARD_BASEURL", "ftp://x", `dashboard.baseUrl: want an absolute http(s) URL, got "ftp://x"`},
		{"CASEFLOW_DASHBOARD_SIGNINTTL", "10s", `dashboard.signInTTL: must be from 1m to 24h`},
		{"CASEFLOW_DASHBOARD_SIGNINPERHOUR", "0", `dashboard.signInPerHour: must be positive`},
		{"CASEFLOW_DASHBOARD_SESSIONIDLE", "30s", `dashboard.sessionIdle: must be at least 1m`},
		{"CASEFLOW_DASHBOARD_SESSIONMAX", "30m", `dashboard.sessionMax: must be at least dashboard.sessionIdle`},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			_, err := Load("")
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "secret", "passwords never reach messages")
		})
	}
}

func TestCheckCatalogue(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
cases:
  fourEyes: true
  autoApprove:
    IDENTITY_VERIFICATION: true
  checks:
    DEFAULT:
      INDIVIDUAL: [IDENTITY_DOCUMENT]
    ONBOARDING:
      COMPANY: [COMPANY_REGISTRY, UBO_DECLARATION]
`), 0o600))
	c, err := Load(file)
	require.NoError(t, err)
	require.True(t, c.Cases.FourEyes)
	require.True(t, c.Cases.AutoApprove["IDENTITY_VERIFICATION"])
	require.False(t, c.Cases.AutoApprove["ONBOARDING"])
	require.Equal(t, []string{"COMPANY_REGISTRY", "UBO_DECLARATION"}, c.Cases.RequiredChecks("ONBOARDING", "COMPANY"))
	require.Equal(t, []string{"IDENTITY_DOCUMENT"}, c.Cases.RequiredChecks("ONBOARDING", "INDIVIDUAL"), "falls back to DEFAULT")
	require.Empty(t, c.Cases.RequiredChecks("KYC_UPDATE_REQUEST", "COMPANY"))

	t.Chdir(t.TempDir())
	d, err := Load("")
	require.NoError(t, err)
	require.Equal(t, []string{"IDENTITY_DOCUMENT", "PROOF_OF_ADDRESS", "SANCTIONS_SCREENING", "PEP_SCREENING"},
		d.Cases.RequiredChecks("IDENTITY_VERIFICATION", "INDIVIDUAL"))
	require.Equal(t, []string{"COMPANY_REGISTRY", "UBO_DECLARATION", "SANCTIONS_SCREENING"}, d.Cases.RequiredChecks("DOCUMENT_UPDATE", "COMPANY"))
}

func TestBadCheckCatalogue(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
cases:
  autoApprove:
    AML_ALERT: true
  checks:
    NOT_A_TYPE:
      INDIVIDUAL: [X]
    ONBOARDING:
      TRUST: [X]
`), 0o600))
	_, err := Load(file)
	require.ErrorContains(t, err, "cases.checks.NOT_A_TYPE: not a case type")
	require.ErrorContains(t, err, "cases.checks.ONBOARDING.TRUST: entity kind must be INDIVIDUAL or COMPANY")
	require.ErrorContains(t, err, "cases.autoApprove.AML_ALERT: not an onboarding case type")
}

func TestMissingConfigFileNamedExplicitly(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.ErrorContains(t, err, "nope.yaml")
}

func TestUnknownFamily(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	require.NoError(t, os.WriteFile(file, []byte("cases:\n  types:\n    AML_ALERT: audit\n"), 0o600))
	_, err := Load(file)
	require.ErrorContains(t, err, `cases.types.AML_ALERT: family must be investigation or onboarding, got "audit"`)
}

// The entity rule names onboarding types of the catalogue; the default
// names a built-in type a catalogue of its own may leave out.
func TestNeedsIndividual(t *testing.T) {
	own := "screening:\n  rules:\n    - {hit: SANCTIONS, caseType: AML_ALERT}\n" +
		"cases:\n  types:\n    AML_ALERT: investigation\n    KYC_PERSON: onboarding\n"
	tests := []struct {
		name, yaml, wantErr string
		want                []string
	}{
		{"default", "", "", []string{"IDENTITY_VERIFICATION"}},
		{"own catalogue without the default's type", own, "", []string{"IDENTITY_VERIFICATION"}},
		{"own onboarding type, any case", own + "  needsIndividual: [kyc_person]\n", "", []string{"KYC_PERSON"}},
		{"an investigation type", "cases:\n  needsIndividual: [AML_ALERT]\n", `cases.needsIndividual: "AML_ALERT" is not an onboarding case type`, nil},
		{"an unknown type", "cases:\n  needsIndividual: [NOPE]\n", `cases.needsIndividual: "NOPE" is not an onboarding case type`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			require.NoError(t, os.WriteFile(file, []byte(tt.yaml), 0o600))
			c, err := Load(file)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, c.Cases.NeedsIndividual)
		})
	}
}

func TestDocuments(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load("")
	require.NoError(t, err)
	require.Equal(t, Documents{
		Bucket:       "",
		MaxFileBytes: 20 << 20,
		MaxFiles:     20,
		Types:        []string{"application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/tiff", "image/webp"},
	}, c.Documents)

	for _, tt := range []struct {
		name string
		env  map[string]string
		file string
		want Documents
	}{
		{
			name: "from the environment",
			env: map[string]string{
				"CASEFLOW_DOCUMENTS_BUCKET":       "s3://kyc-documents?region=eu-central-1",
				"CASEFLOW_DOCUMENTS_MAXFILEBYTES": "10485760",
				"CASEFLOW_DOCUMENTS_MAXFILES":     "5",
				"CASEFLOW_DOCUMENTS_TYPES":        "application/pdf,image/png",
			},
			want: Documents{Bucket: "s3://kyc-documents?region=eu-central-1", MaxFileBytes: 10 << 20, MaxFiles: 5, Types: []string{"application/pdf", "image/png"}},
		},
		{
			name: "from the file",
			file: "documents:\n  bucket: file:///srv/caseflow/documents\n  maxFiles: 3\n  types: [application/pdf]\n",
			want: Documents{Bucket: "file:///srv/caseflow/documents", MaxFileBytes: 20 << 20, MaxFiles: 3, Types: []string{"application/pdf"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if tt.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "caseflow.yaml"), []byte(tt.file), 0o600))
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := Load("")
			require.NoError(t, err)
			require.Equal(t, tt.want, c.Documents)
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(file, []byte("http:\n  trustedProxies: [10.0.0.0/8, 192.168.1.5]\n"), 0o600))
	c, err := Load(file)
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8", "192.168.1.5"}, c.HTTP.TrustedProxies)

	require.NoError(t, os.WriteFile(file, []byte("http:\n  trustedProxies: [the-balancer]\n"), 0o600))
	_, err = Load(file)
	require.ErrorContains(t, err, `http.trustedProxies: "the-balancer" is not an address or a CIDR prefix`)
}
