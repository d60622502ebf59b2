package main

import (
	"context"
	"errors"
	"io"
)

// runBench is being written; see the issue.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
