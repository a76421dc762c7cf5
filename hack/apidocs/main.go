package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	if err := run(root); err != nil {
		fmt.Fprintf(os.Stderr, "apidocs: %v\n", err)
		os.Exit(1)
	}
}

func run(root string) error {
	ref, err := Generate(filepath.Join(root, "api", "v2"))
	if err != nil {
		return err
	}
	if err := write(filepath.Join(root, OutputPath), ref); err != nil {
		return err
	}
	opsPath := filepath.Join(root, OperationsPath)
	ops, err := os.ReadFile(opsPath)
	if err != nil {
		return err
	}
	ops, err = ReplaceFlags(ops, FlagsTable())
	if err != nil {
		return err
	}
	return write(opsPath, ops)
}

func write(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", path)
	return nil
}
