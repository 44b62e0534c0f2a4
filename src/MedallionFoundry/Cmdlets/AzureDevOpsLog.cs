using System.Management.Automation;
using MedallionFoundry.Resilience;

namespace MedallionFoundry.Commands;

/// <summary>
/// Azure DevOps logging commands. When TF_BUILD is set (every Azure Pipelines agent sets it), each error
/// a cmdlet reports is also written as a '##vso[task.logissue type=error]' line, so it shows in the
/// run summary with the file it is about. The line is built from the error id, the message and the
/// target only; anything that looks like a key or token, and every sensitive option's value, is masked (SecretRedactor).
/// </summary>
internal static class AzureDevOpsLog
{
    public static bool Enabled => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD"));

    /// <summary>Running in a CI system (Azure Pipelines sets TF_BUILD; most others set CI).</summary>
    public static bool IsCi => Enabled || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Environment variable that, set to false/0/no, stops <see cref="FailTask"/> from failing the step.</summary>
    public const string FailTaskVariable = "MEDALLIONFOUNDRY_FAIL_TASK";

    public static void WriteError(PSCmdlet cmdlet, ErrorRecord record)
    {
        if (!Enabled) return;
        WriteLine(cmdlet, "##vso[task.logissue type=error]" + Escape(Describe(record)));
    }

    /// <summary>Marks the step failed ('##vso[task.complete result=Failed;]'), so a script that carries on
    /// after per-file errors still fails the step. Opt out with MEDALLIONFOUNDRY_FAIL_TASK=false.</summary>
    public static void FailTask(PSCmdlet cmdlet, string reason)
    {
        if (!Enabled) return;
        var optOut = Environment.GetEnvironmentVariable(FailTaskVariable)?.Trim().ToLowerInvariant();
        if (optOut is "false" or "0" or "no" or "off") return;
        WriteLine(cmdlet, "##vso[task.complete result=Failed;]" + Escape(Redact(reason)));
    }

    static void WriteLine(PSCmdlet cmdlet, string line)
    {
        try
        {
            if (cmdlet.Host?.UI is { } ui) ui.WriteLine(line);
            else Console.Out.WriteLine(line);
        }
        catch (Exception) when (cmdlet.Host?.UI is not null)
        {
            Console.Out.WriteLine(line); // a host that cannot write lines still has stdout, which the agent reads
        }
    }

    /// <summary>"GetBronzeFileNotFound: The remote file 'x' does not exist." plus the target when the message does not name it.</summary>
    internal static string Describe(ErrorRecord record)
    {
        var id = record.FullyQualifiedErrorId;
        var comma = id.IndexOf(',');
        if (comma > 0) id = id[..comma];
        var message = record.ErrorDetails?.Message is { Length: > 0 } details ? details : record.Exception?.Message ?? "";
        var target = record.TargetObject?.ToString();
        if (!string.IsNullOrEmpty(target) && !message.Contains(target, StringComparison.Ordinal))
            message += $" (file: {target})";
        return Redact($"{id}: {message}");
    }

    internal static string Redact(string text) => SecretRedactor.Redact(text);

    /// <summary>Logging command data: '%' first, then line breaks (the command is one line).</summary>
    static string Escape(string text) => text.Replace("%", "%AZP25").Replace("\r", "%0D").Replace("\n", "%0A");
}
