package main

import (
	"context"
	"errors"
	"io"
)

// runDemo is being written; see the issue.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
