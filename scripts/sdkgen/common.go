// Shared by both generator programs (this directory and dotnet/, which the toolchain builds
// with a copy of this file): read and bind the schema, write one language's files.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

//go:embed languages.json
var languagesJSON []byte

const tool = "pulumi-access-tokens sdkgen"

// bind reads the schema, sets its version (when given: schema.json carries none, the
// package version is the npm package's, as `pulumi package gen-sdk --version` does), adds
// the per-language settings it lacks, lets `adjust` (when given) amend it, and binds it with full
// validation: a schema the generators would misread fails here with its diagnostics.
func bind(schemaPath, version string, adjust func(*schema.PackageSpec)) (*schema.Package, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	var languages map[string]json.RawMessage
	if err := json.Unmarshal(languagesJSON, &languages); err != nil {
		return nil, fmt.Errorf("languages.json: %w", err)
	}
	if spec.Language == nil {
		spec.Language = map[string]schema.RawMessage{}
	}
	for name, settings := range languages {
		if _, ok := spec.Language[name]; !ok {
			spec.Language[name] = schema.RawMessage(settings)
		}
	}
	if version != "" {
		spec.Version = version
	}
	if spec.Meta == nil {
		spec.Meta = &schema.MetadataSpec{}
	}
	// One go.mod inside sdk/go and a pyproject.toml: the layout `pulumi package gen-sdk` writes.
	spec.Meta.SupportPack = true
	if adjust != nil {
		adjust(&spec)
	}
	pkg, diags, err := schema.BindSpec(spec, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	return pkg, nil
}

// write replaces dir with exactly the generated files.
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noDependencies is the reference loader for a schema that refers to no other package.
type noDependencies struct{}

func (noDependencies) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("access-tokens refers to no other package (asked for %q)", name)
}

func (noDependencies) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("access-tokens refers to no other package (asked for %q)", d.Name)
}

func (noDependencies) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("access-tokens refers to no other package (asked for %q)", name)
}

func (noDependencies) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("access-tokens refers to no other package (asked for %q)", d.Name)
}
