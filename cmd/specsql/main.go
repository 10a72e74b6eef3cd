// Command specsql runs SQL over REST APIs described by OpenAPI.
package main

import (
	"os"

	"github.com/specsql/specsql/cmd/specsql/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
