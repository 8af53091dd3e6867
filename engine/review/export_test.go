package review

// MermaidJS is the embedded Mermaid renderer, as inlined in HTML reviews
// (tests replace it to keep golden files small).
func MermaidJS() string { return mermaidJS }
