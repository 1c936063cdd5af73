// Command pulumi-language-go is a minimal Go language host for the Pulumi engine.
//
// The official host is not on the Go module proxy, so this project builds this one next to
// the real CLI, as it does for Node. It serves the engine's LanguageRuntime gRPC contract
// and runs a program the way the official host does: `go build` of the program directory
// (or the prebuilt `options.binary` of Pulumi.yaml), then the binary with the engine's
// settings in the PULUMI_* variables, which github.com/pulumi/pulumi/sdk/v3's pulumi.Run
// reads.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Exit code of pulumi.Run after the program's error has been reported to the engine.
const exitedAfterUserMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu            sync.Mutex
	engineAddress string
}

func main() {
	var engineAddress string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engineAddress = a
		}
	}
	h := &host{engineAddress: engineAddress}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// Providers are named in Pulumi.yaml (`plugins: providers:`) or found on PATH, so no
// plugins or packages are reported.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, _ := exec.Command("go", "env", "GOVERSION").Output()
	return &pulumirpc.AboutResponse{Executable: "go", Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// Modules are resolved by `go build` itself when the program runs.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	return nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := req.GetPwd()
	entry := req.GetProgram()
	rootDir := ""
	var options map[string]any
	if info != nil {
		programDir = info.GetProgramDirectory()
		entry = info.GetEntryPoint()
		rootDir = info.GetRootDirectory()
		if info.GetOptions() != nil {
			options = info.GetOptions().AsMap()
		}
	}
	if entry == "" {
		entry = "."
	}

	binary, _ := options["binary"].(string)
	if binary != "" {
		if !filepath.IsAbs(binary) {
			binary = filepath.Join(programDir, binary)
		}
	} else {
		dir, err := os.MkdirTemp("", "pulumi-go-program-")
		if err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "program")
		// -trimpath: the same build-cache entries as the toolchain's engine build.
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", binary, "./"+filepath.ToSlash(entry))
		build.Dir = programDir
		build.Stdout = struct{ *os.File }{os.Stderr}
		build.Stderr = struct{ *os.File }{os.Stderr}
		if err := build.Run(); err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("go build of the program in %s failed: %v", programDir, err)}, nil
		}
	}

	h.mu.Lock()
	engineAddress := h.engineAddress
	h.mu.Unlock()

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	cfgJSON, _ := json.Marshal(config)
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, _ := json.Marshal(secretKeys)

	env := append(os.Environ(),
		"PULUMI_MONITOR="+req.GetMonitorAddress(),
		"PULUMI_ENGINE="+engineAddress,
		"PULUMI_PROJECT="+req.GetProject(),
		"PULUMI_STACK="+req.GetStack(),
		"PULUMI_ORGANIZATION="+req.GetOrganization(),
		"PULUMI_ROOT_DIRECTORY="+rootDir,
		"PULUMI_PARALLEL="+strconv.Itoa(int(req.GetParallel())),
		"PULUMI_DRY_RUN="+strconv.FormatBool(req.GetDryRun()),
		"PULUMI_CONFIG="+string(cfgJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON),
	)

	cmd := exec.CommandContext(ctx, binary, req.GetArgs()...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = struct{ *os.File }{os.Stdout}
	cmd.Stderr = struct{ *os.File }{os.Stderr}
	return runResult(cmd.Run()), nil
}

// runResult turns the program's exit into the engine's answer: 32 means the error is
// already reported (bail), any other failure is the host's to report.
func runResult(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if exitErr.ExitCode() == exitedAfterUserMessage {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}
}
