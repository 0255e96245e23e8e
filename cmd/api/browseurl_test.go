package main

import (
	"net"
	"testing"
)

func TestBrowseURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"0.0.0.0:8080", "http://localhost:8080/"},
		{"[::]:8080", "http://localhost:8080/"},
		{"[::1]:9000", "http://[::1]:9000/"},
		{"192.0.2.7:80", "http://192.0.2.7:80/"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browseURL(addr); got != tt.want {
			t.Errorf("browseURL(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}
