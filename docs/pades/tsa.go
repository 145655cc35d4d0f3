package pades

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// ErrTSA is returned when the time-stamping service gives no usable token.
var ErrTSA = errors.New("pades: time-stamp")

// timeStamp asks the TSA for a token over the signature value (RFC 3161, for CAdES
// signature-time-stamp) and checks that the token is over that value.
func timeStamp(ctx context.Context, t TSA, value []byte) ([]byte, error) {
	req, err := timestamp.CreateRequest(bytes.NewReader(value), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		return nil, err
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	if t.Username != "" {
		hr.SetBasicAuth(t.Username, t.Password)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%w: the service did not answer: %v", ErrTSA, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: the service answered %s", ErrTSA, resp.Status)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	sum := crypto.SHA256.New()
	sum.Write(value)
	if !bytes.Equal(ts.HashedMessage, sum.Sum(nil)) {
		return nil, fmt.Errorf("%w: the token is over other data", ErrTSA)
	}
	return ts.RawToken, nil
}
