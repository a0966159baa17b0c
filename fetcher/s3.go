package fetcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/fetcher/httpfetch"
)

// PathStyleEnv, when "true", addresses buckets as ENDPOINT/BUCKET/KEY
// instead of BUCKET.ENDPOINT/KEY, which S3-compatible stores such as MinIO
// usually need. The AWS SDK reads the endpoint itself from
// AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) but has no variable for this.
const PathStyleEnv = "AWS_S3_USE_PATH_STYLE"

// fallbackRegion is used when the environment names no region: it is what
// S3-compatible stores expect, and an AWS bucket elsewhere answers with an
// error naming its region.
const fallbackRegion = "us-east-1"

func openS3(ctx context.Context, ref *artifact.Ref) (*httpfetch.Download, error) {
	pathStyle := false
	if v := os.Getenv(PathStyleEnv); v != "" {
		var err error
		if pathStyle, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("%s=%q: must be true or false", PathStyleEnv, v)
		}
	}
	// The default chain: AWS_ACCESS_KEY_ID and friends, shared config and
	// credentials files, web identity (IRSA), EKS Pod Identity, then IMDS.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = fallbackRegion
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		// Objects uploaded without a checksum are normal; the SDK would
		// log a warning for each of them.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(ref.Bucket), Key: aws.String(ref.Key)})
	if err != nil {
		return nil, s3Error(err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return &httpfetch.Download{Body: out.Body, Size: size}, nil
}

// s3Error marks a missing bucket or key as ErrNotFound and keeps the SDK's
// message, which names the operation, status and request id. GetObject
// models only NoSuchKey as a type, so the error code decides.
func s3Error(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NoSuchBucket", "NotFound":
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		}
	}
	return err
}
