package v1beta1

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlattenNestedAndFlat(t *testing.T) {
	c := &ConfigObject{Raw: []byte(`{"high-availability":{"type":"kubernetes","storageDir":"s3://b/ha"},"taskmanager.numberOfTaskSlots":2,"env.java.opts":["-Da=1","-Db=2"],"web.submit.enable":false}`)}
	entries, err := c.Flatten()
	require.NoError(t, err)
	got := map[string]string{}
	for _, e := range entries {
		got[e.Key] = e.String()
	}
	assert.Equal(t, map[string]string{
		"env.java.opts":                 "-Da=1;-Db=2",
		"high-availability.storageDir":  "s3://b/ha",
		"high-availability.type":        "kubernetes",
		"taskmanager.numberOfTaskSlots": "2",
		"web.submit.enable":             "false",
	}, got)
}

// TestFlattenErrorsNameEachKey checks that every bad key is reported with
// its own field path, so callers can point at it.
func TestFlattenErrorsNameEachKey(t *testing.T) {
	c := &ConfigObject{Raw: []byte(`{"a":null,"b":[1,{"x":1}],"c.d":1,"c":{"d":2}}`)}
	_, err := c.Flatten()
	var ce *ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	var got []string
	for _, e := range ce.Errors {
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		`spec.flinkConfiguration[a]: Invalid value: null: value is null; give a string, number or boolean, or remove the key`,
		`spec.flinkConfiguration[b]: Invalid value: "[1,{\"x\":1}]": list items must be strings, numbers or booleans (Flink joins them with ;)`,
		`spec.flinkConfiguration[c.d]: Invalid value: "1": the key is given twice, flat and nested (a.b: x and a: {b: x}); keep one`,
	}, got)
	assert.Equal(t, got[0]+"; "+got[1]+"; "+got[2], err.Error())
}
