BeforeAll { . $PSScriptRoot/Common.ps1 }

Describe 'Hostile names in a local store' {
    BeforeAll {
        $script:root = New-TestFolder 'hostile-store'
        $script:outside = New-TestFolder 'hostile-outside'
        $script:dest = Join-Path $outside 'dest'
        # Names a store can hold on Linux that must never become paths outside the destination.
        # (.NET APIs, not PowerShell's, so backslashes stay part of the name.)
        [IO.Directory]::CreateDirectory("$root/ok") | Out-Null
        foreach ($n in @('ok/good.csv', 'x\..\..\escape.csv', "bad`nline.csv")) { [IO.File]::WriteAllText("$root/$n", $n) }
        Connect-BronzeStorage -Backend Local -Path $root
    }
    AfterAll { Disconnect-BronzeStorage -All }

    It 'downloads the good files, refuses the hostile ones by name, and writes nothing outside' {
        $files = Get-BronzeFileList | Get-BronzeFile -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue

        ($files | ForEach-Object { [IO.Path]::GetRelativePath($dest, $_.FullName) }) | Sort-Object |
            Should -Be @('ok/good.csv')
        $ids = $errs | ForEach-Object FullyQualifiedErrorId | Sort-Object -Unique
        $ids | Should -Be 'GetBronzeFileInvalidPath,MedallionFoundry.Commands.GetBronzeFileCommand'
        @($errs).Count | Should -Be 2
        ($errs.TargetObject -join '|') | Should -Match 'escape\.csv'
        @(Get-ChildItem $outside -Recurse -File | Where-Object { -not $_.FullName.StartsWith($dest) }).Count | Should -Be 0
    }

    It 'never deletes outside the prefix it was given' {
        'x/../../escape.csv', '../outside.csv', '/etc/passwd' | Remove-BronzeFile -ErrorVariable errs -ErrorAction SilentlyContinue
        @($errs).Count | Should -Be 3
        $errs | ForEach-Object FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'RemoveBronzeFileInvalidPath,MedallionFoundry.Commands.RemoveBronzeFileCommand'
        @(Get-BronzeFileList).Count | Should -Be 3
    }
}

Describe 'Downloads never leave half-written files' {
    BeforeAll {
        $script:root = New-TestFolder 'half-store'
        $script:dest = New-TestFolder 'half-dest'
        Connect-BronzeStorage -Backend Local -Path $root
        New-TestFile (Join-Path $root 'big.bin') -Size (8MB) | Out-Null
    }
    AfterAll { Disconnect-BronzeStorage -All }

    It 'leaves no file when the download fails' {
        Get-BronzeFile 'missing.bin' -Destination (Join-Path $dest 'missing.bin') -ErrorAction SilentlyContinue
        @(Get-ChildItem $dest -Force).Count | Should -Be 0
    }

    It 'leaves no temporary file beside a completed download, even from a thread job' {
        $job = Start-ThreadJob -ScriptBlock {
            param($manifest, $root, $dest)
            Import-Module $manifest
            Connect-BronzeStorage -Backend Local -Path $root -Name job
            Get-BronzeFile 'big.bin' -Destination (Join-Path $dest 'big.bin') -Connection job
        } -ArgumentList $script:ModuleManifest, $root, $dest
        $job | Wait-Job -Timeout 60 | Out-Null
        $job | Receive-Job | Should -BeOfType [IO.FileInfo]
        @(Get-ChildItem $dest -Force | Where-Object Name -like '*.mfpart').Count | Should -Be 0
        (Get-FileHash (Join-Path $dest 'big.bin')).Hash | Should -Be (Get-FileHash (Join-Path $root 'big.bin')).Hash
    }
}
