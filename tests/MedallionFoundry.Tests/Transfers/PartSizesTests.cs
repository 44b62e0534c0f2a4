using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Transfers;

public sealed class PartSizesTests
{
    const long MiB = 1L << 20;

    [Theory]
    [InlineData(512 * MiB, 16 * MiB, 4, 64 * MiB)] // two parts per request in flight
    [InlineData(40 * MiB, 16 * MiB, 4, 16 * MiB)] // never below the configured part size
    [InlineData(8192 * MiB, 16 * MiB, 4, 256 * MiB)] // nor above 256 MiB
    [InlineData(8192 * MiB, 512 * MiB, 4, 512 * MiB)] // unless the configured size is larger
    public void Part_sizes_give_about_two_parts_per_request_in_flight(long size, long minimum, int concurrency, long expected) =>
        Assert.Equal(expected, PartSizes.For(size, minimum, concurrency));

    [Theory]
    [InlineData(512 * MiB, true, 64 * MiB)] // not configured: grown with the file, 8 parts
    [InlineData(2048 * MiB, true, 256 * MiB)] // 8 parts of 256 MiB: as many requests as for 512 MiB
    [InlineData(512 * MiB, false, 16 * MiB)] // configured: kept as it is
    [InlineData(200_000 * MiB, false, 20 * MiB)] // ... but grown to stay within 10,000 parts
    [InlineData(200_000 * MiB, true, 256 * MiB)]
    public void An_upload_keeps_a_configured_part_size_and_otherwise_grows_it_with_the_file(long size, bool growWithFile, long expected) =>
        Assert.Equal(expected, PartSizes.ForUpload(size, 16 * MiB, growWithFile, concurrency: 4, maxParts: 10_000));
}
