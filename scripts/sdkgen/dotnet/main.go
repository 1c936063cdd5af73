// Command sdkgen-dotnet writes the .NET SDK of the access-tokens package (sdk/dotnet) from
// its schema.json with Pulumi's C# code generator.
//
//	sdkgen-dotnet -schema schema.json -version 0.1.0 -out sdk
//
// That generator left github.com/pulumi/pulumi/pkg/v3 after v3.228.0 (it now lives with
// the .NET language host, which is not on the Go module proxy), so this program is its own
// module pinned to v3.228.0, the last release that has it. The toolchain builds it with a
// copy of ../common.go (schema binding and file writing shared with the Python/Go program).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	dotnetgen "github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	schemaPath := flag.String("schema", "schema.json", "package schema")
	version := flag.String("version", "", "package version (overrides the schema's)")
	out := flag.String("out", "sdk", "directory that receives the dotnet folder")
	flag.Parse()
	// The generator downloads the package logo (logo.png of the NuGet package) with
	// http.Get; generation never leaves the machine, so that request gets a logo drawn here.
	http.DefaultTransport = localLogo{}
	pkg, err := bind(*schemaPath, *version, renameClashingProperties)
	if err == nil {
		var files map[string][]byte
		files, err = dotnetgen.GeneratePackage(tool, pkg, nil, nil)
		if err == nil {
			err = write(filepath.Join(*out, "dotnet"), files)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen-dotnet: %v\n", err)
		os.Exit(1)
	}
}

// renameClashingProperties gives a property named like its resource (AccessToken's
// accessToken) the C# name <Name>Value: C# forbids a member named like its enclosing class
// (CS0542), and the generator does not rename it by itself. Other languages keep the name.
func renameClashingProperties(spec *schema.PackageSpec) {
	for token, resource := range spec.Resources {
		class := token[strings.LastIndex(token, ":")+1:]
		for _, props := range []map[string]schema.PropertySpec{resource.Properties, resource.InputProperties} {
			for name, prop := range props {
				if name == "" || strings.ToUpper(name[:1])+name[1:] != class {
					continue
				}
				if prop.Language == nil {
					prop.Language = map[string]schema.RawMessage{}
				}
				if _, ok := prop.Language["csharp"]; !ok {
					prop.Language["csharp"] = schema.RawMessage(`{"name":"` + class + `Value"}`)
				}
				props[name] = prop
			}
		}
	}
}

// localLogo answers every HTTP request with the same 64×64 PNG.
type localLogo struct{}

func (localLogo) RoundTrip(req *http.Request) (*http.Response, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			if (x/16+y/16)%2 == 0 {
				img.Set(x, y, color.NRGBA{R: 0x80, G: 0x3f, B: 0xd0, A: 0xff})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"image/png"}},
		Body:       io.NopCloser(&buf),
		Request:    req,
	}, nil
}
