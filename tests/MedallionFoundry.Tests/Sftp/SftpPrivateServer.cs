using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MedallionFoundry.Tests.S3;

namespace MedallionFoundry.Tests.Sftp;

/// <summary>A second sshd of the test server's configuration on its own port, that a test may stop
/// and start again (the shared server must stay up for the other tests).</summary>
public sealed class SftpPrivateServer : IDisposable
{
    readonly string _config;
    Process? _process;

    public SftpPrivateServer()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var folder = Path.GetDirectoryName(S3TestServer.Required("MF_TEST_SFTP_CONFIG"))!;
        _config = Path.Combine(folder, $"sshd_config_{Port}");
        var lines = File.ReadAllLines(S3TestServer.Required("MF_TEST_SFTP_CONFIG"))
            .Select(l => l.StartsWith("Port ") ? $"Port {Port}" : l.StartsWith("PidFile ") ? $"PidFile {_config}.pid" : l);
        File.WriteAllLines(_config, lines);
        Start();
    }

    public int Port { get; }

    public void Start()
    {
        var info = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-e", "-f", _config }) info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var client = new TcpClient();
            try { client.Connect(IPAddress.Loopback, Port); return; }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited) { Thread.Sleep(100); }
        }
    }

    /// <summary>Kills the server and every connection it serves (sshd forks one process per connection).</summary>
    public void Stop()
    {
        if (_process is null) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        File.Delete(_config);
    }
}
