package main

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
)

// machine describes where the benchmark ran.
type machine struct {
	CPU       string
	Cores     int
	GoVersion string
	OS        string
	Kernel    string
	Memory    string
	Date      time.Time
	DataFS    string // the file system of -dir, "" when unknown
	DataInRAM bool   // -dir keeps its files in memory: an fsync costs nothing there
}

func describeMachine(now time.Time, dataDir string) machine {
	fs, inRAM := fileSystem(dataDir)
	return machine{
		DataFS:    fs,
		DataInRAM: inRAM,
		CPU:       procField("/proc/cpuinfo", "model name", "unknown"),
		Cores:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		Kernel:    readTrim("/proc/sys/kernel/osrelease", "unknown"),
		Memory:    procField("/proc/meminfo", "MemTotal", "unknown"),
		Date:      now.UTC(),
	}
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(path, key, fallback string) string {
	f, err := os.Open(path)
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return fallback
}

func readTrim(path, fallback string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fallback
	}
	return strings.TrimSpace(string(b))
}
