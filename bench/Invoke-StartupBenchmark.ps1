# Fresh-process start-up of one small upload: a bare `pwsh -File` (exit) against StartupPhases.ps1 per
# backend, alternating, -Runs rounds; prints medians (ms) of the whole process and of each phase.
# Needs `build.ps1 Build` and `build.ps1 Servers`. Usage: dotnet pwsh bench/Invoke-StartupBenchmark.ps1 -Runs 7
param([int]$Runs = 5, [string[]]$Backend = @('S3', 'Azure', 'Local'), [switch]$SkipCheck,
    # Module manifests to compare (each run alternates them); default: the build output.
    [string[]]$Module = @(''))
$ErrorActionPreference = 'Stop'
$pwsh = [Environment]::ProcessPath
$pwshArgs = @(Join-Path $PSHOME 'pwsh.dll')
$phases = Join-Path $PSScriptRoot 'StartupPhases.ps1'
$empty = Join-Path ([IO.Path]::GetTempPath()) 'mf-startup-empty.ps1'
Set-Content -Path $empty -Value 'exit 0'
function Invoke-Fresh([string[]]$arguments) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & $pwsh @pwshArgs -NoProfile -NonInteractive -File @arguments
    if ($LASTEXITCODE -ne 0) { throw "run failed: $arguments`n$out" }
    [pscustomobject]@{ Total = $sw.Elapsed.TotalMilliseconds; Phases = ($out | Select-Object -Last 1) }
}
$rows = @{}
$names = foreach ($m in $Module) { foreach ($b in $Backend) { if ($Module.Count -gt 1) { "$b@$([array]::IndexOf($Module, $m))" } else { $b } } }
foreach ($name in @('bare') + $names) { $rows[$name] = [Collections.Generic.List[object]]::new() }
for ($i = 0; $i -lt $Runs; $i++) {
    $rows['bare'].Add((Invoke-Fresh @($empty)))
    foreach ($m in $Module) {
        foreach ($b in $Backend) {
            $a = @($phases, '-Backend', $b); if ($SkipCheck) { $a += '-SkipCheck' }; if ($m) { $a += '-Module', $m }
            $rows[($Module.Count -gt 1) ? "$b@$([array]::IndexOf($Module, $m))" : $b].Add((Invoke-Fresh $a))
        }
    }
}
function Median([double[]]$v) { $s = @($v | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
$bare = Median ($rows['bare'] | ForEach-Object Total)
"{0,-8} {1,7} {2,7} {3,7} {4,7} {5,7}" -f 'run', 'total', 'over', 'import', 'connect', 'upload'
"{0,-8} {1,7:F0}" -f 'bare', $bare
foreach ($name in $names) {
    $total = Median ($rows[$name] | ForEach-Object Total)
    $phase = { param($n) Median ($rows[$name] | ForEach-Object { [double](($_.Phases -split ' ')[$n]) }) }
    "{0,-8} {1,7:F0} {2,7:F0} {3,7:F0} {4,7:F0} {5,7:F0}" -f $name, $total, ($total - $bare), (& $phase 0), (& $phase 1), (& $phase 2)
}
if ($Module.Count -gt 1) { for ($k = 0; $k -lt $Module.Count; $k++) { "@$k = $(($Module[$k]) ? $Module[$k] : 'out/MedallionFoundry')" } }
