// Command template-oracle renders Go templates the way Sveltos's addon-controller instantiates
// them, so Navarch's own template engine can be tested against the real thing.
//
// Protocol: JSON Lines. Each stdin line is one case:
//
//	{"id": "c1", "template": "{{ .a }}", "data": {"a": 1},
//	 "missingkey": "error", "name": "template", "resources": {"id": {...}},
//	 "root": "data", "funcmap": "sveltos", "engine": "text"}
//
// and each case yields one stdout line, in order and flushed at once:
//
//	{"id": "c1", "output": "1", "error": null}
//
// error is the error of Parse or Execute as Go prints it (output is then ""). A panic while
// handling a case is reported as an error starting with "panic: ". When the output (or error)
// is not valid UTF-8, output_b64 (error_b64) carries its exact bytes, base64-encoded.
//
// Optional fields and their defaults:
//   - missingkey: "error", as Sveltos sets Option("missingkey=error") on every template.
//   - name: "template". Sveltos names a template "<cluster ns>-<cluster name>-<requestor>";
//     the name shows up in error messages.
//   - resources: the management-cluster resources the case can read with getResource, copy,
//     getField, setField and removeField, keyed by identifier (Sveltos's MgmtResources).
//   - root: what Execute receives. "data" (default): the decoded data itself. "sveltos": the
//     value addon-controller passes, a *controllers.currentClusterObjects whose Cluster,
//     KubeadmControlPlane and InfrastructureProvider come from the data object's keys of those
//     names and MgmtResources from resources. "string_map": data must be an object of
//     strings, passed as map[string]string (kustomize substitute values).
//   - funcmap: "sveltos" (default; sprig plus Sveltos's functions), "sprig" (sprig's
//     TxtFuncMap alone) or "builtin" (text/template's own functions only).
//   - engine: "text" (default; addon-controller) or "html" (html/template, which libsveltos
//     uses to render referenced resources' names and namespaces).
//
// Numbers in data and resources are decoded the way Kubernetes decodes unstructured objects:
// int64 when the literal parses as a base-10 int64, float64 otherwise.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"navarch.test/templateoracle/controllers"
)

type request struct {
	ID         string          `json:"id"`
	Template   *string         `json:"template"`
	Data       json.RawMessage `json:"data"`
	MissingKey *string         `json:"missingkey"`
	Name       *string         `json:"name"`
	Resources  json.RawMessage `json:"resources"`
	Root       string          `json:"root"`
	FuncMap    string          `json:"funcmap"`
	Engine     string          `json:"engine"`
}

type response struct {
	ID        string  `json:"id"`
	Output    string  `json:"output"`
	Error     *string `json:"error"`
	OutputB64 string  `json:"output_b64,omitempty"`
	ErrorB64  string  `json:"error_b64,omitempty"`
}

// maxStack bounds the goroutine stack: a case that recurses without end (printf of a map that
// contains itself) then dies in a moment instead of after filling Go's default 1 GB. It is
// well above what text/template's own depth limit (100000 nested template calls) needs, so a
// runaway {{template}} still ends in Go's "exceeded maximum template depth" error.
const maxStack = 512 << 20

func main() {
	debug.SetMaxStack(maxStack)
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for lineNo := 1; ; lineNo++ {
		line, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			resp := handleLine(line, lineNo)
			if err := enc.Encode(resp); err != nil {
				fmt.Fprintf(os.Stderr, "template-oracle: writing the result: %v\n", err)
				os.Exit(2)
			}
			// One flush per case: a case that kills the process (a stack overflow is not a
			// recoverable panic) must not take the results before it down with it.
			if err := out.Flush(); err != nil {
				fmt.Fprintf(os.Stderr, "template-oracle: writing the result: %v\n", err)
				os.Exit(2)
			}
		}
		if readErr == io.EOF {
			return
		}
		if readErr != nil {
			fmt.Fprintf(os.Stderr, "template-oracle: reading stdin: %v\n", readErr)
			os.Exit(2)
		}
	}
}

func handleLine(line []byte, lineNo int) (resp response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		msg := fmt.Sprintf("oracle: line %d is not a case: %v", lineNo, err)
		return response{Error: &msg}
	}
	resp.ID = req.ID
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("panic: %v", r)
			resp = response{ID: req.ID, Error: &msg}
			finish(&resp)
		}
	}()
	output, err := render(&req)
	if err != nil {
		msg := err.Error()
		resp.Error = &msg
	} else {
		resp.Output = output
	}
	finish(&resp)
	return resp
}

// finish adds the exact bytes of an output or error that JSON cannot carry as a string.
func finish(resp *response) {
	if !utf8.ValidString(resp.Output) {
		resp.OutputB64 = base64.StdEncoding.EncodeToString([]byte(resp.Output))
	}
	if resp.Error != nil && !utf8.ValidString(*resp.Error) {
		resp.ErrorB64 = base64.StdEncoding.EncodeToString([]byte(*resp.Error))
	}
}

func render(req *request) (string, error) {
	if req.Template == nil {
		return "", errors.New("oracle: the case has no template")
	}
	missingKey := "error"
	if req.MissingKey != nil {
		missingKey = *req.MissingKey
	}
	name := "template"
	if req.Name != nil {
		name = *req.Name
	}

	data, err := decodeJSON(req.Data)
	if err != nil {
		return "", fmt.Errorf("oracle: data: %w", err)
	}
	var resources map[string]map[string]interface{}
	if len(req.Resources) > 0 && string(req.Resources) != "null" {
		raw, err := decodeJSON(req.Resources)
		if err != nil {
			return "", fmt.Errorf("oracle: resources: %w", err)
		}
		resources, err = resourceMap(raw)
		if err != nil {
			return "", err
		}
	}

	root, err := rootValue(req.Root, data, resources)
	if err != nil {
		return "", err
	}

	var funcs map[string]interface{}
	switch req.FuncMap {
	case "", "sveltos":
		funcs = sveltosFuncMap()
		addResourceFuncs(funcs, resources)
	case "sprig":
		funcs = sprig.TxtFuncMap()
	case "builtin":
		funcs = nil
	default:
		return "", fmt.Errorf("oracle: unknown funcmap %q", req.FuncMap)
	}

	var buf bytes.Buffer
	switch req.Engine {
	case "", "text":
		tmpl, err := template.New(name).Option("missingkey=" + missingKey).Funcs(funcs).Parse(*req.Template)
		if err != nil {
			return "", err
		}
		if err := tmpl.Execute(&buf, root); err != nil {
			return "", err
		}
	case "html":
		tmpl, err := htmltemplate.New(name).Option("missingkey=" + missingKey).Funcs(funcs).Parse(*req.Template)
		if err != nil {
			return "", err
		}
		if err := tmpl.Execute(&buf, root); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("oracle: unknown engine %q", req.Engine)
	}
	return buf.String(), nil
}

func rootValue(kind string, data interface{}, resources map[string]map[string]interface{}) (interface{}, error) {
	switch kind {
	case "", "data":
		return data, nil
	case "sveltos":
		fields := map[string]map[string]interface{}{}
		if data != nil {
			obj, ok := data.(map[string]interface{})
			if !ok {
				return nil, fmt.Errorf("oracle: root sveltos needs data to be an object, not %T", data)
			}
			for key, value := range obj {
				switch key {
				case "Cluster", "KubeadmControlPlane", "InfrastructureProvider":
				default:
					return nil, fmt.Errorf("oracle: root sveltos has no field %q "+
						"(Cluster, KubeadmControlPlane, InfrastructureProvider; resources go in resources)", key)
				}
				if value == nil {
					continue
				}
				m, ok := value.(map[string]interface{})
				if !ok {
					return nil, fmt.Errorf("oracle: root sveltos: %s must be an object, not %T", key, value)
				}
				fields[key] = m
			}
		}
		return controllers.NewObjects(fields["Cluster"], fields["KubeadmControlPlane"],
			fields["InfrastructureProvider"], resources), nil
	case "string_map":
		obj, ok := data.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("oracle: root string_map needs data to be an object, not %T", data)
		}
		strs := make(map[string]string, len(obj))
		for key, value := range obj {
			s, ok := value.(string)
			if !ok {
				return nil, fmt.Errorf("oracle: root string_map: %s must be a string, not %T", key, value)
			}
			strs[key] = s
		}
		return strs, nil
	default:
		return nil, fmt.Errorf("oracle: unknown root %q", kind)
	}
}

func resourceMap(raw interface{}) (map[string]map[string]interface{}, error) {
	obj, ok := raw.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("oracle: resources must be an object, not %T", raw)
	}
	resources := make(map[string]map[string]interface{}, len(obj))
	for id, value := range obj {
		if value == nil {
			resources[id] = nil
			continue
		}
		m, ok := value.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("oracle: resource %q must be an object, not %T", id, value)
		}
		resources[id] = m
	}
	return resources, nil
}

// decodeJSON decodes one JSON value with numbers as Kubernetes unstructured objects carry them.
func decodeJSON(raw json.RawMessage) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return convertNumbers(v)
}

func convertNumbers(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, item := range t {
			converted, err := convertNumbers(item)
			if err != nil {
				return nil, err
			}
			t[k] = converted
		}
		return t, nil
	case []interface{}:
		for i, item := range t {
			converted, err := convertNumbers(item)
			if err != nil {
				return nil, err
			}
			t[i] = converted
		}
		return t, nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, err
		}
		return f, nil
	default:
		return v, nil
	}
}

// sveltosFuncMap is sprig's function map with the functions libsveltos's funcmap adds or
// replaces. Sveltos starts from sprig.FuncMap() (or sprig.TxtFuncMap() with the
// projectsveltos.io/tex-template annotation); both hold the same functions.
func sveltosFuncMap() map[string]interface{} {
	funcs := sprig.TxtFuncMap()
	funcs["toToml"] = toTOML
	funcs["fromToml"] = fromTOML
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["fromYamlArray"] = fromYAMLArray
	funcs["toJson"] = toJSON
	funcs["fromJson"] = fromJSON
	funcs["fromJsonArray"] = fromJSONArray
	return funcs
}

// toYAML: sigs.k8s.io/yaml (JSON first, then YAML), one trailing newline dropped, "" on error.
func toYAML(v interface{}) string {
	out, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

// fromYAML: a map; a parse error is put under the key "Error".
func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromYAMLArray: a list; a parse error replaces it with a list of the error message alone.
func fromYAMLArray(s string) []interface{} {
	list := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &list); err != nil {
		return []interface{}{err.Error()}
	}
	return list
}

// toTOML: BurntSushi/toml's encoder; on error the error message is the result.
func toTOML(v interface{}) string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return err.Error()
	}
	return buf.String()
}

// fromTOML: a map; a parse error is put under the key "Error".
func fromTOML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := toml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// toJSON: encoding/json, "" on error.
func toJSON(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(out)
}

// fromJSON: a map; a parse error is put under the key "Error".
func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromJSONArray: a list; a parse error replaces it with a list of the error message alone.
func fromJSONArray(s string) []interface{} {
	list := []interface{}{}
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return []interface{}{err.Error()}
	}
	return list
}

// addResourceFuncs adds the functions addon-controller defines over the management-cluster
// resources of one instantiation. They work on the resources' maps in place, as Sveltos's
// do: setField and removeField change the stored resource, and every function that hands a
// resource out first deletes its metadata.managedFields, resourceVersion and uid.
func addResourceFuncs(funcs map[string]interface{}, resources map[string]map[string]interface{}) {
	funcs["getResource"] = func(id string) map[string]interface{} {
		obj, ok := resources[id]
		if !ok {
			return nil
		}
		return withoutServerFields(obj).Object
	}
	funcs["copy"] = func(id string) string {
		obj, ok := resources[id]
		if !ok {
			return ""
		}
		return yamlOrEmpty(withoutServerFields(obj))
	}
	funcs["getField"] = func(id string, fields string) interface{} {
		obj, ok := resources[id]
		if !ok {
			return ""
		}
		v, found, err := unstructured.NestedFieldCopy(obj, strings.Split(fields, ".")...)
		if err != nil || !found {
			return ""
		}
		return v
	}
	funcs["removeField"] = func(id, fields string) string {
		obj, ok := resources[id]
		if !ok {
			return ""
		}
		unstructured.RemoveNestedField(obj, strings.Split(fields, ".")...)
		return yamlOrEmpty(withoutServerFields(obj))
	}
	funcs["setField"] = func(id, fields string, value any) string {
		obj, ok := resources[id]
		if !ok {
			return ""
		}
		if err := unstructured.SetNestedField(obj, value, strings.Split(fields, ".")...); err != nil {
			return ""
		}
		return yamlOrEmpty(withoutServerFields(obj))
	}
	funcs["chainRemoveField"] = func(obj map[string]interface{}, fields string) map[string]interface{} {
		unstructured.RemoveNestedField(obj, strings.Split(fields, ".")...)
		return obj
	}
	funcs["chainSetField"] = func(obj map[string]interface{}, fields string, value any) map[string]interface{} {
		if err := unstructured.SetNestedField(obj, value, strings.Split(fields, ".")...); err != nil {
			return nil
		}
		return obj
	}
}

func withoutServerFields(obj map[string]interface{}) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: obj}
	u.SetManagedFields(nil)
	u.SetResourceVersion("")
	u.SetUID("")
	return u
}

func yamlOrEmpty(u *unstructured.Unstructured) string {
	out, err := yaml.Marshal(u.UnstructuredContent())
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}
