package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/batonhq/baton/steps/configmgr"
)

// serverConfigJSON is one entry of configmgr.ScriptServerConfig's result.
type serverConfigJSON struct {
	Server             string   `json:"Server"`
	Error              string   `json:"Error"`
	SQLNativeClient    bool     `json:"SqlNativeClient"`
	SMBSigningRequired bool     `json:"SmbSigningRequired"`
	ClusterNode        bool     `json:"ClusterNode"`
	ConfigMgrVersion   string   `json:"ConfigMgrVersion"`
	Administrators     []string `json:"Administrators"`
	ConfigurationMOF   string   `json:"ConfigurationMof"`
	CheckAdminOnSQL    bool     `json:"CheckAdminOnSQL"`
}

// ServerConfigs runs configmgr.ScriptServerConfig on the runner (PowerShell
// remoting to each server, no ConfigurationManager module). A server the
// script could not reach comes back with Readable false and its error.
func (s *Site) ServerConfigs(ctx context.Context, servers []string) ([]configmgr.ServerConfig, error) {
	for _, srv := range servers {
		if err := checkHost("server", srv); err != nil {
			return nil, err
		}
	}
	out, err := s.runScript(ctx, configmgr.ScriptServerConfig, map[string]string{configmgr.ParamServers: strings.Join(servers, ",")}, false)
	if err != nil {
		return nil, fmt.Errorf("reading the servers' configuration through PowerShell remoting: %w", err)
	}
	entries, err := decodeServerConfigs(out)
	if err != nil {
		return nil, fmt.Errorf("PowerShell script %s: %w", configmgr.ScriptServerConfig.Name, err)
	}
	byName := map[string]serverConfigJSON{}
	for _, e := range entries {
		byName[strings.ToLower(strings.TrimSpace(e.Server))] = e
	}
	cfgs := make([]configmgr.ServerConfig, 0, len(servers))
	for _, srv := range servers {
		e, ok := byName[strings.ToLower(srv)]
		if !ok {
			cfgs = append(cfgs, configmgr.ServerConfig{Server: srv, Error: "the script returned nothing for this server"})
			continue
		}
		cfgs = append(cfgs, serverConfigOf(srv, e))
	}
	return cfgs, nil
}

// decodeServerConfigs reads the script's result: an array, or a single
// object when PowerShell unrolled a one-element array.
func decodeServerConfigs(raw json.RawMessage) ([]serverConfigJSON, error) {
	text := strings.TrimSpace(string(raw))
	if text == "" || text == "null" {
		return nil, nil
	}
	if strings.HasPrefix(text, "{") {
		var one serverConfigJSON
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, fmt.Errorf("the result is not the expected JSON: %w", err)
		}
		return []serverConfigJSON{one}, nil
	}
	var many []serverConfigJSON
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("the result is not the expected JSON: %w", err)
	}
	return many, nil
}

func serverConfigOf(server string, e serverConfigJSON) configmgr.ServerConfig {
	if e.Error != "" {
		return configmgr.ServerConfig{Server: server, Error: bounded(e.Error, 500) + "; check WinRM on the server (Test-WSMan) and that the runner's account is a local administrator there"}
	}
	c := configmgr.ServerConfig{
		Server: server, Readable: true, SQLNativeClient: e.SQLNativeClient, SMBSigningRequired: e.SMBSigningRequired,
		ClusterNode: e.ClusterNode, ConfigMgrVersion: strings.TrimSpace(e.ConfigMgrVersion),
		ConfigurationMOF: strings.ToUpper(strings.TrimSpace(e.ConfigurationMOF)),
	}
	for _, a := range e.Administrators {
		if a = strings.TrimSpace(a); a != "" {
			c.Administrators = append(c.Administrators, a)
		}
	}
	if e.CheckAdminOnSQL {
		c.Signals = append(c.Signals, configmgr.KnownLogSignals[0].LogSignal)
	}
	return c
}

// BootImages reads the boot image packages (configmgr.QueryBootImages).
func (s *Site) BootImages(ctx context.Context) ([]configmgr.BootImage, error) {
	var out []configmgr.BootImage
	err := s.query(ctx, configmgr.QueryBootImages, func(r *sql.Rows) error {
		var id, name, source sql.NullString
		if err := r.Scan(&id, &name, &source); err != nil {
			return err
		}
		out = append(out, configmgr.BootImage{PackageID: nstr(id), Name: nstr(name), SourcePath: nstr(source)})
		return nil
	})
	return out, err
}
