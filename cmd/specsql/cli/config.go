package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// config is the optional config file: settings a user would otherwise
// repeat as flags on every command. Flags add to it and win over it.
type config struct {
	// Providers loads OpenAPI documents as providers, by name.
	Providers map[string]string `yaml:"providers"`
	// Servers overrides providers' server URL templates, by name.
	Servers map[string]string `yaml:"servers"`
	// CustomDomains lists the hosts, by provider, that a full host given
	// as a server variable (Okta's subdomain) may name.
	CustomDomains map[string][]string `yaml:"customDomains"`
}

// defaultConfigPath is config.yaml in the user's config directory
// ($XDG_CONFIG_HOME/specsql, ~/.config/specsql on Linux).
func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "specsql", "config.yaml")
}

// loadConfig reads the config file. The default file may be absent; a file
// named with --config must exist.
func loadConfig(path string, explicit bool) (*config, error) {
	cfg := &config{}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return cfg, nil
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("config file: %w", err)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: no settings.
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, usageError{fmt.Errorf("config file %s: %w (known keys: providers, servers, customDomains)", path, err)}
	}
	return cfg, nil
}
