package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/specsql/specsql/docs"
)

func newDocsCommand() *cobra.Command {
	var (
		sources providerSources
		all     string
	)
	cmd := &cobra.Command{
		Use:   "docs (TABLE | --all DIR)",
		Short: "Write a table's reference page in Markdown, or one page per table into DIR",
		Example: `  specsql docs okta.webauthn_registration.enrollments > enrollments.md
  specsql docs --all site/tables`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (all == "") == (len(args) != 1) {
				return usageError{fmt.Errorf("give one table, e.g. specsql docs okta.webauthn_registration.enrollments, or --all DIR")}
			}
			reg, _, err := sources.load(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if all == "" {
				res, err := reg.Lookup(args[0])
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(cmd.OutOrStdout(), docs.Page(res))
				return err
			}
			if err := os.MkdirAll(all, 0o755); err != nil {
				return err
			}
			n := 0
			for _, p := range reg.Providers {
				for _, s := range p.Services {
					for _, r := range s.Resources {
						if err := os.WriteFile(filepath.Join(all, docs.FileName(r)), []byte(docs.Page(r)), 0o644); err != nil {
							return err
						}
						n++
					}
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d pages to %s\n", n, all)
			return nil
		},
	}
	cmd.Flags().StringVar(&all, "all", "", "write a page for every table of every loaded provider into this directory")
	sources.register(cmd)
	return cmd
}
