package awsapi

import "sync"

// describeParallel bounds the EKS calls one read makes at once.
const describeParallel = 8

// eachParallel calls fn for every item, at most describeParallel at once,
// and returns the results and errors by index.
func eachParallel[In, Out any](items []In, fn func(In) (Out, error)) ([]Out, []error) {
	out := make([]Out, len(items))
	errs := make([]error, len(items))
	sem := make(chan struct{}, describeParallel)
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = fn(item)
		}()
	}
	wg.Wait()
	return out, errs
}
