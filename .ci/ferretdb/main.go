// Command ferretdb runs FerretDB (a MongoDB wire-protocol server over
// PostgreSQL) for tessera's MongoDB tests. It embeds FerretDB v1.24.2 rather
// than `go install`ing its command, whose module ships without the version
// file its main package requires.
//
//	go run . -listen 127.0.0.1:27017 -postgresql-url postgres://postgres@127.0.0.1:5432/ferretdb
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	postgresURL := flag.String("postgresql-url", "postgres://postgres@127.0.0.1:5432/ferretdb", "PostgreSQL database FerretDB stores its data in")
	sqliteURL := flag.String("sqlite-url", "", "SQLite directory (file:path/) to store the data in instead of PostgreSQL")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	config := &ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: *postgresURL,
	}
	if *sqliteURL != "" {
		config.Handler = "sqlite"
		config.SQLiteURL = *sqliteURL
	}
	server, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
