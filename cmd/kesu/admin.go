package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
)

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: kesu user create --email E --name N --role ROLE [--password P] [--department CODE]"}
	}
	var cfg Config
	var in api.NewUser
	var role string
	fs := newFlags("user create", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&in.Email, "email", "", "login email (required)")
	fs.StringVar(&in.Name, "name", "", "display name (required)")
	fs.StringVar(&role, "role", "", "agent, handler, supervisor, dept_head, analyst, auditor or admin (required)")
	fs.StringVar(&in.Password, "password", "", "password, at least 10 characters (empty: a random one is printed)")
	fs.StringVar(&in.Department, "department", "", "department code (required for handler and dept_head)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	in.Role = kesu.Role(role)
	generated := in.Password == ""
	if generated {
		in.Password = auth.RandomPassword()
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	u, err := api.CreateUser(ctx, app.DB, in, app.Clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", in.Password)
	}
	return nil
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: kesu token create --user EMAIL [--name NAME]"}
	}
	var cfg Config
	var email, name string
	fs := newFlags("token create", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&email, "user", "", "email of the user the token acts as (required)")
	fs.StringVar(&name, "name", "cli", "a label for the token")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if email == "" {
		return usageError{"--user is required"}
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	u, _, err := app.DB.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	if _, err := app.DB.CreateToken(ctx, u.ID, name, hash, app.Clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "token for %s (%s); it is shown only once:\n", u.Email, u.Role)
	fmt.Fprintln(stdout, token)
	return nil
}
