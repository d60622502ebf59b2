package api

import "net/http"

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.OpenAPI())
	return nil
}

// OpenAPI builds the OpenAPI 3 document from the routes table.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes() {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[lower(rt.Method)] = map[string]any{"operationId": rt.ID, "summary": rt.Summary}
	}
	return map[string]any{"openapi": "3.0.3", "info": map[string]any{"title": "kesu", "version": "1"}, "paths": paths}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
