// Package docs holds the project's documentation; its tests check that
// tables in it match the code they describe.
package docs
