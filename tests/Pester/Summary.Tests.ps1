# What a transfer cmdlet says when it ends (issue 13, items 3, 4, 5, 9, 10): a correct summary, a
# failed step in Azure DevOps when any file failed, one error (not one per file) when the whole
# connection is bad, -WhatIf totals, one verbose line per file, Get-Item-like download output.
BeforeAll {
    . $PSScriptRoot/Common.ps1
    $script:VsoComplete = '(?m)^##vso\[task\.complete result=Failed;\]'

    # Five local files, two of which already exist remotely: -NoClobber fails exactly those two.
    function New-HalfFailingUpload([string] $ErrorAction = 'Continue') {
        $root = New-TestFolder 'sum-store'
        $src = New-TestFolder 'sum-src'
        1..5 | ForEach-Object { New-TestFile (Join-Path $src "part-000$_.csv") -Size 1024 -Seed $_ | Out-Null }
        New-TestFile (Join-Path $root 'x/part-0001.csv') -Size 10 | Out-Null
        New-TestFile (Join-Path $root 'x/part-0002.csv') -Size 10 | Out-Null
        @"
`$ErrorActionPreference = '$ErrorAction'
Import-Module '$ModuleManifest'
Connect-BronzeStorage -Backend Local -Path '$root'
Send-BronzeFile -Path '$src' -Destination x/ -Recurse -NoClobber
'after the upload'
"@
    }

    # Runs a script the way a PowerShell@2 task does: its errorActionPreference line first, the
    # LASTEXITCODE check last, started with pwsh -NoLogo -NoProfile -NonInteractive -Command ". 'file'".
    function Invoke-AsPowerShellTask([string] $Script, [string] $ErrorActionPreference, [hashtable] $Environment = @{}) {
        $file = Join-Path ([IO.Path]::GetTempPath()) "mf-task-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content $file "`$ErrorActionPreference = '$ErrorActionPreference'`n$Script`nif ((Test-Path -LiteralPath variable:\LASTEXITCODE)) { exit `$LASTEXITCODE }"
        Invoke-ChildCommand ". '$file'" $Environment
    }

    function Invoke-ChildCommand([string] $Command, [hashtable] $Environment = @{}) {
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try {
            $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoLogo -NoProfile -NonInteractive -Command $Command 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
        }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
    }

    function New-S3Credential {
        [pscredential]::new((Get-RequiredTestVariable 'MF_TEST_S3_ACCESS_KEY'), (ConvertTo-SecureString (Get-RequiredTestVariable 'MF_TEST_S3_SECRET_KEY') -AsPlainText -Force))
    }
}

Describe 'The summary of a transfer cmdlet (item 3)' {
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'counts succeeded and failed files and the bytes of the ones that succeeded' {
        $root = New-TestFolder 'sum-store'
        $src = New-TestFolder 'sum-src'
        1..5 | ForEach-Object { New-TestFile (Join-Path $src "part-000$_.csv") -Size 1024 -Seed $_ | Out-Null }
        New-TestFile (Join-Path $root 'x/part-0001.csv') -Size 10 | Out-Null
        New-TestFile (Join-Path $root 'x/part-0002.csv') -Size 10 | Out-Null
        Connect-BronzeStorage -Backend Local -Path $root

        $verbose = Send-BronzeFile -Path $src -Destination x/ -Recurse -NoClobber -Verbose -ErrorAction SilentlyContinue -ErrorVariable failures 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message

        $failures.Count | Should -Be 2
        @($verbose | Where-Object { $_ -match '^Upload: 3 succeeded, 2 failed, 0 skipped; 3\.0 KiB in \d+\.\d s' }).Count | Should -Be 1
    }

    It 'writes the summary to the log without -Verbose under CI, but marks no step failed outside Azure DevOps' {
        $run = Invoke-ChildPwsh (New-HalfFailingUpload) -Environment @{ CI = 'true'; TF_BUILD = '' }
        $run.Output | Should -Match '(?m)^Send-BronzeFile: Upload: 3 succeeded, 2 failed, 0 skipped; 3\.0 KiB'
        $run.Output | Should -Not -Match '##vso\['
    }

    It 'marks the Azure DevOps step failed once at the end when a file failed, and the script goes on' {
        $run = Invoke-ChildPwsh (New-HalfFailingUpload) -Environment @{ TF_BUILD = 'True' }

        @([regex]::Matches($run.Output, $VsoComplete)).Count | Should -Be 1
        $run.Output | Should -Match "${VsoComplete}Send-BronzeFile: 2 of 5 files failed\."
        @([regex]::Matches($run.Output, '(?m)^##vso\[task\.logissue type=error\]SendBronzeFileAlreadyExists')).Count | Should -Be 2
        $run.Output | Should -Match 'after the upload'
        $run.Output.IndexOf('##vso[task.complete') | Should -BeGreaterThan $run.Output.LastIndexOf('##vso[task.logissue')
    }

    It 'does not mark the step failed with MEDALLIONFOUNDRY_FAIL_TASK=false (the opt-out)' {
        $run = Invoke-ChildPwsh (New-HalfFailingUpload) -Environment @{ TF_BUILD = 'True'; MEDALLIONFOUNDRY_FAIL_TASK = 'false' }
        $run.Output | Should -Not -Match '##vso\[task\.complete'
        $run.Output | Should -Match '##vso\[task\.logissue type=error\]'
    }

    It 'does not mark the step failed when every file succeeded' {
        $root = New-TestFolder 'sum-ok'
        $src = New-TestFolder 'sum-ok-src'
        New-TestFile (Join-Path $src 'a.csv') | Out-Null
        $run = Invoke-ChildPwsh "Import-Module '$ModuleManifest'; Connect-BronzeStorage -Backend Local -Path '$root'; Send-BronzeFile '$src/a.csv' x/" -Environment @{ TF_BUILD = 'True' }
        $run.Output | Should -Not -Match '##vso\['
        $run.Output | Should -Match 'Upload: 1 succeeded, 0 failed, 0 skipped'
        $run.ExitCode | Should -Be 0
    }
}

Describe 'Exit codes, as docs/azure-devops.md states them (item 3)' {
    It 'pwsh -File: 1 with $ErrorActionPreference = Stop, 0 with Continue (non-terminating errors do not set it)' {
        (Invoke-ChildPwsh (New-HalfFailingUpload -ErrorAction Stop)).ExitCode | Should -Be 1
        (Invoke-ChildPwsh (New-HalfFailingUpload -ErrorAction Continue)).ExitCode | Should -Be 0
    }

    It 'pwsh -Command: 1 when the last command had an error, 0 when a later command succeeded' {
        $root = New-TestFolder 'sum-cmd'
        $get = "Import-Module '$ModuleManifest'; Connect-BronzeStorage -Backend Local -Path '$root'; Get-BronzeFile missing.csv -Destination '$root-dl'"
        (Invoke-ChildCommand $get).ExitCode | Should -Be 1
        (Invoke-ChildCommand "$get; 'later'").ExitCode | Should -Be 0
    }

    It 'PowerShell@2: errorActionPreference stop fails the step with exit code 1; continue exits 0 and relies on task.complete' {
        $stop = Invoke-AsPowerShellTask (New-HalfFailingUpload -ErrorAction Stop) -ErrorActionPreference Stop -Environment @{ TF_BUILD = 'True' }
        $stop.ExitCode | Should -Be 1
        $stop.Output | Should -Not -Match 'after the upload'

        $continue = Invoke-AsPowerShellTask (New-HalfFailingUpload -ErrorAction Continue) -ErrorActionPreference Continue -Environment @{ TF_BUILD = 'True' }
        $continue.ExitCode | Should -Be 0
        $continue.Output | Should -Match 'after the upload'
        $continue.Output | Should -Match "${VsoComplete}Send-BronzeFile: 2 of 5 files failed\."
    }
}

Describe 'A bad connection stops at the first failure (item 4)' {
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'S3, missing bucket (-SkipCheck): one terminating error naming the bucket and the files not attempted' {
        $src = New-TestFolder 'ff-src'
        1..12 | ForEach-Object { New-TestFile (Join-Path $src "part-$_.csv") -Size 100 -Seed $_ | Out-Null }
        Connect-BronzeStorage -Backend S3 -Bucket 'mf-no-such-bucket' -EndpointUrl (Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT') -Credential (New-S3Credential) -SkipCheck
        $caught = $null
        try { Send-BronzeFile -Path $src -Destination x/ -Recurse -ThrottleLimit 2 -ErrorAction Continue -ErrorVariable errors 2>$null }
        catch { $caught = $_ }

        $caught | Should -Not -BeNullOrEmpty -Because 'it is a terminating error'

        @($errors).Count | Should -Be 1
        $caught.FullyQualifiedErrorId | Should -BeLike 'SendBronzeFileContainerNotFound,*'
        $caught.ToString() | Should -Match "'mf-no-such-bucket'"
        $stopped = [regex]::Match($caught.ToString(), 'Stopped at this first connection failure \(the bucket or container does not exist\): (\d+) more file\(s\) were not attempted')
        $stopped.Success | Should -BeTrue -Because $caught.ToString()
        [int]$stopped.Groups[1].Value | Should -BeGreaterOrEqual 10 -Because 'at most the two files already running were tried'
    }

    It 'Azure, missing container (-SkipCheck): one error for a pipeline of downloads, not one per file' {
        $container = "mf-ff-missing-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Connect-BronzeStorage -Backend Azure -Container $container -ConnectionString (Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING') -SkipCheck
        $caught = $null
        try { 1..30 | ForEach-Object { "x/part-$_.csv" } | Get-BronzeFile -Destination (New-TestFolder 'ff-dl') -ErrorAction Continue -ErrorVariable errors 2>$null }
        catch { $caught = $_ }

        $caught | Should -Not -BeNullOrEmpty -Because 'it is a terminating error'

        @($errors).Count | Should -Be 1
        $caught.FullyQualifiedErrorId | Should -BeLike 'GetBronzeFileContainerNotFound,*'
        $caught.ToString() | Should -Match ([regex]::Escape($container))
        $caught.ToString() | Should -Match 'the rest of the pipeline input was not read'
    }

    It 'a host name that does not resolve: one error naming DNS, the five other files not attempted' {
        $src = New-TestFolder 'ff-dns'
        1..6 | ForEach-Object { New-TestFile (Join-Path $src "part-$_.csv") -Size 100 -Seed $_ | Out-Null }
        Connect-BronzeStorage -Backend S3 -Bucket b -EndpointUrl 'http://mf-no-such-host.invalid:9000' -Credential (New-S3Credential) -MaxAttempts 1 -SkipCheck
        $caught = $null
        try { Send-BronzeFile -Path $src -Destination x/ -Recurse -ThrottleLimit 1 -ErrorAction Continue -ErrorVariable errors 2>$null }
        catch { $caught = $_ }

        $caught | Should -Not -BeNullOrEmpty -Because 'it is a terminating error'

        @($errors).Count | Should -Be 1
        $caught.ToString() | Should -Match 'host name does not resolve in DNS\): 5 more file\(s\) were not attempted'
    }

    It 'Connect-BronzeStorage checks the bucket, the container, the credentials and the local root; -SkipCheck skips it' {
        { Connect-BronzeStorage -Backend S3 -Bucket 'mf-no-such-bucket' -EndpointUrl (Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT') -Credential (New-S3Credential) } |
            Should -Throw -ErrorId 'ConnectBronzeStorageContainerNotFound,MedallionFoundry.Commands.ConnectBronzeStorageCommand'

        $badKey = (Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING') -replace 'AccountKey=[^;]+', ('AccountKey=' + [Convert]::ToBase64String([byte[]]::new(64)))
        $err = $null
        try { Connect-BronzeStorage -Backend Azure -Container bronze -ConnectionString $badKey -Name badkey } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ConnectBronzeStorageAccessDenied,*'
        # Item 5: the message names the account and the container and hints at the credential, never shows the key.
        "$err" | Should -Match "container 'bronze'"
        "$err" | Should -Match 'devstoreaccount1'
        "$err" | Should -Match 'Check the credential'
        "$err" | Should -Not -Match 'AAAAAAAA'
        (Get-BronzeStorage -Name badkey -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty

        $nowhere = Join-Path (New-TestFolder 'ff-root') 'no/such/root'
        { Connect-BronzeStorage -Backend Local -Path $nowhere } | Should -Throw -ErrorId 'ConnectBronzeStorageContainerNotFound,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        Connect-BronzeStorage -Backend Local -Path $nowhere -SkipCheck -PassThru | Should -Not -BeNullOrEmpty
        Connect-BronzeStorage -Backend Local -Path (Join-Path (New-TestFolder 'ff-root') 'new-root') -PassThru | Should -Not -BeNullOrEmpty -Because 'a root whose parent exists is created by the first upload'
    }
}

Describe 'Messages that do not mislead (item 5)' {
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'removing a local folder as a file says it is a folder and suggests -Prefix -Recurse' {
        $root = New-TestFolder 'msg-folder'
        New-TestFile (Join-Path $root 'thr/dt=2025-01-03/part-1.csv') | Out-Null
        Connect-BronzeStorage -Backend Local -Path $root
        Remove-BronzeFile 'thr/dt=2025-01-03' -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures.Count | Should -Be 1
        "$($failures[0])" | Should -Match "'thr/dt=2025-01-03' is a folder, not a file.*Remove-BronzeFile -Prefix 'thr/dt=2025-01-03/' -Recurse"
        "$($failures[0])" | Should -Not -Match 'denied'
        Test-Path (Join-Path $root 'thr/dt=2025-01-03/part-1.csv') | Should -BeTrue
    }

    It 'a re-download without -Force recommends -Force once per run, not once per file' {
        $root = New-TestFolder 'msg-force'
        1..4 | ForEach-Object { New-TestFile (Join-Path $root "x/p$_.csv") | Out-Null }
        $dl = New-TestFolder 'msg-force-dl'
        Connect-BronzeStorage -Backend Local -Path $root
        Get-BronzeFileList x/ | Get-BronzeFile -Destination $dl | Out-Null
        Get-BronzeFileList x/ | Get-BronzeFile -Destination $dl -ErrorAction SilentlyContinue -ErrorVariable failures | Out-Null
        $failures.Count | Should -Be 4
        @($failures | Where-Object { $_.ErrorDetails.RecommendedAction }).Count | Should -Be 1
    }

    It '-Verbose writes one line per file (plus the summary)' {
        $root = New-TestFolder 'msg-verbose'
        $src = New-TestFolder 'msg-verbose-src'
        1..3 | ForEach-Object { New-TestFile (Join-Path $src "p$_.csv") | Out-Null }
        Connect-BronzeStorage -Backend Local -Path $root
        $up = Send-BronzeFile -Path $src -Destination x/ -Recurse -Verbose 4>&1 | ForEach-Object Message
        $down = Get-BronzeFileList x/ | Get-BronzeFile -Destination (New-TestFolder 'msg-verbose-dl') -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        foreach ($lines in @(, $up) + @(, $down)) {
            @($lines).Count | Should -Be 4
            foreach ($i in 1..3) { @($lines | Where-Object { $_ -like "*p$i.csv*" }).Count | Should -Be 1 }
        }
    }
}

Describe 'Get-BronzeFile output (item 9) and -WhatIf totals (item 10)' {
    BeforeAll {
        $script:root = New-TestFolder 'out-store'
        1..4 | ForEach-Object { New-TestFile (Join-Path $root "x/p$_.csv") -Size 1024 | Out-Null }
        Connect-BronzeStorage -Backend Local -Path $root
    }
    AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'outputs files as Get-Item does, so the FileSystem view shows Directory, Mode and size' {
        $dl = New-TestFolder 'out-dl'
        $files = Get-BronzeFileList x/ | Get-BronzeFile -Destination $dl
        $item = Get-Item (Join-Path $dl 'x/p1.csv')
        $files[0].PSParentPath | Should -Be $item.PSParentPath
        $files[0].PSProvider.Name | Should -Be 'FileSystem'
        $files[0].PSIsContainer | Should -BeFalse
        $text = $files | Out-String -Width 120
        $text | Should -Match ([regex]::Escape("Directory: $(Join-Path $dl 'x')"))
        $text | Should -Match '\s1024 p1\.csv' -Because 'the size column is filled, as for Get-Item'
        $text | Should -Match '(?m)^-[rwx-]{9}|^-a---' -Because 'the Mode column is filled' 
    }

    It '-WhatIf on Send, Get and Remove ends with one line: the count and the bytes' {
        $src = New-TestFolder 'whatif-src'
        1..3 | ForEach-Object { New-TestFile (Join-Path $src "w$_.csv") -Size 2048 | Out-Null }
        $script = @"
Import-Module '$ModuleManifest'
Connect-BronzeStorage -Backend Local -Path '$root'
Send-BronzeFile -Path '$src' -Destination y/ -Recurse -WhatIf
Get-BronzeFileList x/ | Get-BronzeFile -Destination '$src-dl' -WhatIf
Get-BronzeFileList x/ | Remove-BronzeFile -WhatIf
"@
        $run = Invoke-ChildPwsh $script
        $run.Output | Should -Match '(?m)^What if: Upload: 3 files, 6\.0 KiB in total\.$'
        $run.Output | Should -Match '(?m)^What if: Download: 4 files, 4\.0 KiB in total\.$'
        $run.Output | Should -Match '(?m)^What if: Delete: 4 files, 4\.0 KiB in total\.$'
        @(Get-BronzeFileList x/).Count | Should -Be 4
        Test-Path "$src-dl" | Should -BeFalse
    }
}

Describe 'Deleting a prefix and filtering listings (item 2)' {
    BeforeEach {
        $script:root = New-TestFolder 'prefix-store'
        foreach ($p in 'thr/dt=1/a.csv', 'thr/dt=1/b.tmp.csv', 'thr/dt=1/deep/c.csv', 'thr/dt=10/keep.csv', 'thr/dt=2/keep.csv', 'thr-other/keep.csv') {
            New-TestFile (Join-Path $root $p) -Size 1024 | Out-Null
        }
        (Get-Item (Join-Path $root 'thr/dt=1/a.csv')).LastWriteTimeUtc = [datetime]::new(2020, 1, 1, 0, 0, 0, [DateTimeKind]::Utc)
        Connect-BronzeStorage -Backend Local -Path $root
    }
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'Remove-BronzeFile -Prefix -Recurse deletes every file under the folder and nothing beside it' {
        Remove-BronzeFile -Prefix thr/dt=1 -Recurse
        (Get-BronzeFileList).Path | Should -Be @('thr-other/keep.csv', 'thr/dt=10/keep.csv', 'thr/dt=2/keep.csv')
    }

    It '-Prefix needs -Recurse, and -WhatIf prints the count and size first, deleting nothing' {
        { Remove-BronzeFile -Prefix thr/dt=1 } | Should -Throw -ErrorId 'RemoveBronzeFilePrefixNeedsRecurse,MedallionFoundry.Commands.RemoveBronzeFileCommand'
        $run = Invoke-ChildPwsh "Import-Module '$ModuleManifest'; Connect-BronzeStorage -Backend Local -Path '$root'; Remove-BronzeFile -Prefix thr/dt=1/ -Recurse -WhatIf"
        $lines = $run.Output -split "`n" | Where-Object { $_ -like 'What if:*' }
        $lines[0] | Should -Match "3 files \(3\.0 KiB\) under 'thr/dt=1/'"
        $lines[-1] | Should -Be 'What if: Delete: 3 files, 3.0 KiB in total.'
        @(Get-BronzeFileList thr/dt=1/).Count | Should -Be 3
    }

    It 'deletes a prefix of more files than one batch holds' {
        $many = Join-Path $root 'many'
        New-Item -ItemType Directory $many | Out-Null
        foreach ($i in 1..2100) { [IO.File]::WriteAllText((Join-Path $many "f$i.csv"), 'x') }
        $verbose = Remove-BronzeFile -Prefix many -Recurse -Verbose 4>&1 | ForEach-Object Message
        ($verbose -join "`n") | Should -Match '(?m)^Delete: 2100 succeeded, 0 failed'
        Test-Path $many | Should -BeFalse
    }

    It 'Get-BronzeFileList -Include, -Exclude, -OlderThan and -NewerThan filter while streaming' {
        (Get-BronzeFileList thr/dt=1/ -Include *.csv -Exclude *.tmp.csv).Path | Should -Be @('thr/dt=1/a.csv', 'thr/dt=1/deep/c.csv')
        (Get-BronzeFileList thr/ -Include 'thr/dt=1*/*' -Exclude '*/deep/*').Path | Should -Be @('thr/dt=1/a.csv', 'thr/dt=1/b.tmp.csv', 'thr/dt=10/keep.csv')
        (Get-BronzeFileList thr/ -OlderThan ([datetime]'2021-01-01')).Path | Should -Be 'thr/dt=1/a.csv'
        @(Get-BronzeFileList thr/ -NewerThan ([datetime]'2021-01-01')).Count | Should -Be 4
    }
}
