module github.com/go-resilience/resilience

go 1.25
