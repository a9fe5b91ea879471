package store

import (
	"context"
	"fmt"
)

// ClientIndividuals names the individuals of the earlier cases of the
// client with this e-mail, most recent first, at most limit: the ones an
// officer may choose again for a new case of the same client.
func (s *Store) ClientIndividuals(ctx context.Context, email string, limit int) ([]string, error) {
	names := []string{}
	if email == "" {
		return names, nil
	}
	// ILIKE on the exact, escaped address: the client e-mail's trigram
	// index finds the client's cases.
	err := s.db.SelectContext(ctx, &names, `
		SELECT name FROM (
			SELECT DISTINCT ON (lower(e.name)) e.name, c.created_at
			FROM cases c JOIN case_entities e ON e.case_id = c.id
			WHERE c.client_email ILIKE $1 AND e.kind = 'INDIVIDUAL'
			ORDER BY lower(e.name), c.created_at DESC
		) n ORDER BY created_at DESC LIMIT $2`, escapeLike(email), limit)
	if err != nil {
		return nil, fmt.Errorf("client individuals: %w", err)
	}
	return names, nil
}
