using System.Diagnostics;
using System.Security.Cryptography;

namespace MedallionFoundry.Tests.Copy;

/// <summary>Other tools that read what the module wrote: aws-cli 2 (/usr/bin/aws) and rclone, from the
/// Debian packages. A missing tool fails the test (never a skip).</summary>
public static class PeerTools
{
    public const string AwsCli = "/usr/bin/aws";

    /// <summary>Downloads everything below s3://bucket/prefix/ into a new folder with aws-cli.</summary>
    public static string AwsDownload(string endpoint, string bucket, string prefix, string accessKey, string secretKey)
    {
        var folder = Contract.TestData.TempFolder("aws-cli");
        Run(AwsCli, ["s3", "cp", $"s3://{bucket}/{prefix}/", folder, "--recursive", "--endpoint-url", endpoint, "--only-show-errors"], new()
        {
            ["AWS_ACCESS_KEY_ID"] = accessKey,
            ["AWS_SECRET_ACCESS_KEY"] = secretKey,
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_CONFIG_FILE"] = "/dev/null",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        });
        return folder;
    }

    /// <summary>Downloads everything below container/prefix/ into a new folder with rclone, through an account SAS URL.</summary>
    public static string RcloneDownload(string accountSasUrl, string container, string prefix)
    {
        var folder = Contract.TestData.TempFolder("rclone");
        Run("rclone", ["copy", $":azureblob:{container}/{prefix}", folder, "--config", "/dev/null"], new()
        {
            ["RCLONE_AZUREBLOB_SAS_URL"] = accountSasUrl,
            ["AWS_CA_BUNDLE"] = null,
        });
        return folder;
    }

    /// <summary>MD5 (hex) of every file below <paramref name="folder"/>, by path relative to it.</summary>
    public static Dictionary<string, string> Md5s(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(folder, f).Replace('\\', '/'),
            f => { using var s = File.OpenRead(f); return Convert.ToHexString(MD5.HashData(s)); });

    public static string Md5(byte[] data) => Convert.ToHexString(MD5.HashData(data));

    static void Run(string tool, string[] arguments, Dictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(true); throw new TimeoutException($"{tool} took more than 5 minutes."); }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments.Take(2))} failed with {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }
}
