// Command broken does not compile: the gobuild tests check the error.
package main

import "fmt"

func main() {
	fmt.Println(greeting)
}
