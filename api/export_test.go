package api

import "time"

// WithAuthFailureWindow shortens the window failed authentications are
// counted in, so that a test can see it pass.
func WithAuthFailureWindow(d time.Duration) Option {
	return func(s *Server) { s.authFailures = newAuthFailures(s.cfg.HTTP.AuthFailuresPerMinute, d) }
}

// FileName is how an upload's file name is kept.
var FileName = fileName
