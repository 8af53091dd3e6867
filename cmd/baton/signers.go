package main

import (
	"flag"
	"fmt"
	"github.com/batonhq/baton/internal/inputfile"
	"os"
	"path/filepath"

	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
)

// signersFlag is --allowed-signers: the file of who may sign for whom.
type signersFlag struct{ path string }

func (s *signersFlag) register(fs *flag.FlagSet) {
	fs.StringVar(&s.path, "allowed-signers", os.Getenv("BATON_ALLOWED_SIGNERS"), "git-style allowed-signers file: count only decisions signed by a key it allows for the name they claim (default $BATON_ALLOWED_SIGNERS)")
}

// load reads the file given, else the one the run pinned; nil when
// neither is set.
func (s *signersFlag) load(run *state.Run) (*signing.AllowedSigners, error) {
	path := s.path
	if path == "" && run != nil {
		path = run.AllowedSigners
	}
	if path == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("allowed-signers file %s: %w", path, err)
	}
	b, err := inputfile.Read(abs, inputfile.DecisionLimit, "allowed-signers file")
	if err != nil {
		return nil, fmt.Errorf("reading the allowed-signers file: %w; it lives in the runbooks' repository (pass --allowed-signers FILE)", err)
	}
	return signing.ParseAllowedSigners(abs, b)
}

// signFlags are the ways to sign a decision or a run's start.
type signFlags struct {
	agent bool
	key   string
}

// register adds --sign and --key; what names what they sign.
func (s *signFlags) register(fs *flag.FlagSet, what string) {
	fs.BoolVar(&s.agent, "sign", false, "sign "+what+" with your key in the ssh-agent")
	fs.StringVar(&s.key, "key", "", "sign "+what+" with this private key file instead of the agent")
}

// signer returns the chosen signer, nil when the decision is unsigned.
func (s *signFlags) signer() (signing.Signer, error) {
	switch {
	case s.key != "":
		return signing.FileSigner(s.key, nil)
	case s.agent:
		return signing.AgentSigner("")
	}
	return nil, nil
}
