package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// gqlgenParams decodes body as gqlgen's POST transport does.
func gqlgenParams(body []byte) (graphql.RawParams, error) {
	var p graphql.RawParams
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	err := d.Decode(&p)
	return p, err
}

// checkParams fails unless decodeParams either declines body or decodes it exactly as
// gqlgen does.
func checkParams(t *testing.T, body []byte) bool {
	t.Helper()
	var got graphql.RawParams
	if !decodeParams(body, &got) {
		return false
	}
	want, err := gqlgenParams(body)
	if err != nil {
		t.Fatalf("decodeParams took %q, which gqlgen refuses: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeParams(%q):\n got %#v\nwant %#v", body, got, want)
	}
	return true
}

func TestDecodeParams(t *testing.T) {
	taken := []string{
		`{}`,
		` {"query":"{ status { head } }"} `,
		"\t{\n\"query\" : \"q\" ,\r\n\"operationName\" : null , \"variables\":null,\"extensions\":null}\n",
		`{"query":null,"operationName":"Op"}`,
		`{"variables":{}}`,
		`{"query":"mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }","variables":{"in":{"restaurantId":"r1","menuItemIds":["m1","m2"]}}}`,
		`{"variables":{"a":[],"b":[[]],"c":{},"d":[{}],"e":null,"f":true,"g":false,"h":[null,true,false,"x",1]}}`,
		`{"variables":{"n":[0,-0,1,-1,10,1.5,-0.25,1e3,1E+3,2e-3,123456789012345678901234567890,1e400]}}`,
		`{"variables":{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\u0000","t":"héllo wörld €","u":"\u00E9"}}`,
		`{"variables":{"k":1,"k":2,"nested":{"x":"a","x":"b"}}}`,
		`{"variables":{"escaped\nkey":1,"é":2}}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
		`{"query":"` + strings.Repeat("x", 5000) + `"}`,
		`{"variables":{"deep":` + strings.Repeat("[", maxParamsDepth-1) + strings.Repeat("]", maxParamsDepth-1) + `}}`,
	}
	for _, body := range taken {
		if !checkParams(t, []byte(body)) {
			t.Errorf("declined %q", body)
		}
	}

	declined := []string{
		// Not what gqlgen takes either.
		``, ` `, `null`, `[]`, `"q"`, `{`, `{"query":"q"`, `{"query":"q",}`, `{"query" "q"}`,
		`{"query":5}`, `{"query":true}`, `{"query":{}}`, `{"variables":[]}`, `{"variables":"x"}`, `{"variables":1}`,
		`{"variables":{"a":01}}`, `{"variables":{"a":1.}}`, `{"variables":{"a":.5}}`, `{"variables":{"a":-}}`,
		`{"variables":{"a":1e}}`, `{"variables":{"a":+1}}`, `{"variables":{"a":tru}}`, `{"variables":{"a":nul}}`,
		`{"variables":{"a":[1,]}}`, `{"variables":{"a":[1 2]}}`, `{"variables":{a:1}}`, `{"variables":{"a":1,}}`,
		"{\"query\":\"a\tb\"}", `{"query":"\x"}`, `{"query":"\u12"}`, `{"query":"\u12G4"}`, `{"query":"abc`,
		// gqlgen takes these, differently from how this decoder would: left to it.
		`{"Query":"q"}`, `{"QUERY":"q"}`, `{"operationname":"x"}`, `{"qu\u0065ry":"q"}`,
		`{"other":1}`, `{"query":"a","query":"b"}`, `{"variables":{"a":1},"variables":{"b":2}}`,
		"{\"query\":\"\xff\"}", "{\"variables\":{\"\xc3\":1}}", `{"query":"\ud83d\ude00"}`, `{"query":"\udc00"}`,
		`{"query":"q"} trailing`, `{"query":"q"}{}`,
		`{"variables":{"deep":` + strings.Repeat("[", maxParamsDepth) + strings.Repeat("]", maxParamsDepth) + `}}`,
	}
	for _, body := range declined {
		if checkParams(t, []byte(body)) {
			t.Errorf("took %q", body)
		}
	}
}

// FuzzDecodeParams holds decodeParams to gqlgen's decoding: whatever it takes, it decodes
// to the same params.
func FuzzDecodeParams(f *testing.F) {
	for _, seed := range []string{
		`{"query":"mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }","variables":{"in":{"id":"r1","name":"Trattoria","menu":{"cuisine":"ITALIAN","menuItems":[{"menuItemId":"m1","name":"Pizza","price":"8.99"}]}}}}`,
		`{"variables":{"n":[0,-1.5e3,true,null,"\u00e9\n"],"o":{"a":{}}},"operationName":null}`,
		`{"query":"\ud83d\ude00"}`, `{"Query":"q"}`, "{\"query\":\"\xff\"}", `{"variables":{"a":01}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkParams(t, body)
	})
}
