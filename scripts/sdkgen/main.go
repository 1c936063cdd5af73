// Command sdkgen writes the Python and Go SDKs of the access-tokens package from its
// schema.json with Pulumi's own code generators (github.com/pulumi/pulumi/pkg/v3/codegen),
// the same ones `pulumi package gen-sdk` runs inside the official language hosts.
//
//	sdkgen -schema schema.json -version 0.1.0 -out sdk [-lang python,go]
//
// Each language goes to <out>/<language> (sdk/python, sdk/go), replacing what was there,
// so a regenerated tree can be compared with the committed one file by file. The
// per-language settings (package names, Go import path) live in languages.json beside this
// file and are merged into the schema where it has none of its own.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
)

// The Pulumi Go SDK the generated go.mod requires: the one the toolchain builds the CLI from.
const pulumiGoSDK = "v3.259.0"

func main() {
	schemaPath := flag.String("schema", "schema.json", "package schema")
	out := flag.String("out", "sdk", "directory that receives one folder per language")
	version := flag.String("version", "", "package version (overrides the schema's)")
	langs := flag.String("lang", "python,go", "comma-separated languages: python, go")
	flag.Parse()
	if err := run(*schemaPath, *version, *out, strings.Split(*langs, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, version, out string, langs []string) error {
	pkg, err := bind(schemaPath, version, nil)
	if err != nil {
		return err
	}
	for _, lang := range langs {
		var files map[string][]byte
		switch lang {
		case "python":
			files, err = pygen.GeneratePackage(tool, pkg, nil, noDependencies{})
		case "go":
			files, err = gogen.GeneratePackage(tool, pkg, nil)
			if err == nil {
				err = pinGoSDK(files)
			}
		default:
			err = fmt.Errorf("unknown language %q", lang)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		if err := write(filepath.Join(out, lang), files); err != nil {
			return err
		}
	}
	return nil
}

// pinGoSDK makes the generated go.mod require the Pulumi Go SDK the toolchain has, instead
// of the generator's built-in minimum.
func pinGoSDK(files map[string][]byte) error {
	mod, ok := files["go.mod"]
	if !ok {
		return errors.New("the Go generator wrote no go.mod")
	}
	lines := strings.Split(string(mod), "\n")
	pinned := false
	for i, line := range lines {
		fields := strings.Fields(line)
		for j := 0; j+1 < len(fields); j++ {
			if fields[j] == "github.com/pulumi/pulumi/sdk/v3" && strings.HasPrefix(fields[j+1], "v") {
				fields[j+1] = pulumiGoSDK
				lines[i] = strings.Replace(line, strings.TrimSpace(line), strings.Join(fields, " "), 1)
				pinned = true
			}
		}
	}
	if !pinned {
		return errors.New("the generated go.mod does not require github.com/pulumi/pulumi/sdk/v3")
	}
	files["go.mod"] = []byte(strings.Join(lines, "\n"))
	return nil
}
