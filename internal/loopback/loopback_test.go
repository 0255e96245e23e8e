package loopback

import "testing"

func TestHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "localhost.": true, "app.localhost": true,
		"App.LocalHost.": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"localhost.example": false, "example.localhostx": false, "xlocalhost": false,
		"10.0.0.1": false, "0.0.0.0": false, "::": false, "": false, ".": false,
		"attacker.example": false, "2130706433": false, "[::1]": false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}
