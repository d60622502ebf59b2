package main

import (
	"context"
	"errors"
	"io"
)

// runImport is being written; see the issue.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
