module ckrun.invalid/gorunner

go 1.19
